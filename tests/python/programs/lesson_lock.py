# lesson src/lessons/lock.py, unmodified (USE_LOCK = True): 100 tasks read-sleep(10 ms)-write a counter under an asyncio.Lock; times vary: 100 chained 10 ms sleeps, each overshooting by under 1 ms, put its line anywhere in ~1.04-1.09 s.
# Adapted: the seed's §2.2.2 speaks of locks but shows no lock program;
# this is the canonical asyncio one.
import asyncio
import contextlib

USE_LOCK = True  # the lesson's `lock` choice
counter = 0

async def increment(lock):
    global counter
    async with lock:
        value = counter            # read
        await asyncio.sleep(0.01)  # another task runs here
        counter = value + 1        # write

async def main(n=100):
    lock = asyncio.Lock() if USE_LOCK else contextlib.nullcontext()
    await asyncio.gather(*(increment(lock) for _ in range(n)))
    print(f'counter = {counter}, expected {n}')

asyncio.run(main())
