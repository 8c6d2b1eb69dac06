# lesson src/lessons/lock.py, variant USE_LOCK = False (only that constant changed): 100 tasks race on the counter with contextlib.nullcontext(): counter = 1.
# Adapted: the seed's §2.2.2 speaks of locks but shows no lock program;
# this is the canonical asyncio one.
import asyncio
import contextlib

USE_LOCK = False  # the lesson's `lock` choice
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
