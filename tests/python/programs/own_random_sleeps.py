# own: seed 000 §2.2.2's Semaphore program with random.seed(7) first, so its sleeps of random.random() (and so its times) are fixed.
import asyncio
import random

random.seed(7)
sem = asyncio.Semaphore()

async def count():
    async with sem:
        print('counting')
        await asyncio.sleep(random.random())
        print("done counting")

async def main():
    await asyncio.gather(count(), count(), count())

asyncio.run(main())
