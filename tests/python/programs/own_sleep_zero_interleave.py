# own: await asyncio.sleep(0) yields to the other ready tasks: three tasks interleave round-robin in creation order, before and after a 0.2 s pause.
import asyncio

async def chatter(name, rounds):
    for i in range(rounds):
        print(f'{name} {i}')
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    for i in range(2):
        print(f'{name} again {i}')
        await asyncio.sleep(0)
    return name

async def main():
    tasks = []
    for name, rounds in [('A', 3), ('B', 1), ('C', 2)]:
        tasks.append(asyncio.create_task(chatter(name, rounds)))
    print('main: created')
    await asyncio.sleep(0)
    print('main: after one sleep(0)')
    print(await asyncio.gather(*tasks))

asyncio.run(main())
