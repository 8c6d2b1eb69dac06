# own: a blocking time.sleep(0.25) inside a coroutine holds up the whole loop (a 0.1 s timer fires at 0.25 s); asyncio.sleep(0.25) does not.
import asyncio
import time

async def ticker(label):
    for i in range(3):
        await asyncio.sleep(0.1)
        print(f'{label} tick {i}')

async def blocker(use_time_sleep):
    print('blocker: start')
    if use_time_sleep:
        time.sleep(0.25)
    else:
        await asyncio.sleep(0.25)
    print('blocker: end')

async def main():
    await asyncio.gather(ticker('blocked'), blocker(True))
    await asyncio.gather(ticker('free'), blocker(False))

asyncio.run(main())
