# own: timing ties: equal sleeps wake in the order they began; a sleep begun later that comes due at the same moment (0.1 + 0.2 against 0.3) wakes after.
import asyncio

async def nap(name, seconds):
    await asyncio.sleep(seconds)
    print(name, 'woke')

async def two_naps(name, first, second):
    await asyncio.sleep(first)
    print(name, 'half way')
    await asyncio.sleep(second)
    print(name, 'woke')

async def main():
    await asyncio.gather(nap('c', 0.2), nap('a', 0.2), nap('b', 0.2))
    await asyncio.gather(two_naps('later', 0.1, 0.2), nap('sooner', 0.3))
    tasks = []
    for name in ['t3', 't1', 't2']:
        tasks.append(asyncio.create_task(nap(name, 0.1)))
    await asyncio.sleep(0.1)
    print('main woke (its sleep began after the tasks were created but before they ran)')
    for t in tasks:
        await t

asyncio.run(main())
