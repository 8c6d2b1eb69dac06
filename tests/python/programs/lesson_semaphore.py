# lesson src/lessons/semaphore.py, unmodified (= seed 000 §2.2.2): Semaphore() around sleeps of random.random(), unseeded, so times vary.
import asyncio
import random

sem = asyncio.Semaphore()

async def count():
    async with sem: # 给信号量增加一个上下文管理器
        print('counting')
        await asyncio.sleep(random.random())
        print("done counting")

async def main():
    # Schedule three calls *concurrently*:
    await asyncio.gather(count(), count(), count())

asyncio.run(main())
