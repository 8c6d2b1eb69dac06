# own: create_task: tasks start in creation order only once main yields, finish in the order of their sleeps; done() before and after.
import asyncio

async def worker(name, seconds):
    print(f'{name}: start')
    await asyncio.sleep(seconds)
    print(f'{name}: done after {seconds} s')
    return name

async def main():
    t1 = asyncio.create_task(worker('w1', 0.3))
    t2 = asyncio.create_task(worker('w2', 0.1))
    t3 = asyncio.create_task(worker('w3', 0.2))
    print('main: three tasks created, none started yet')
    await asyncio.sleep(0)
    print('main: after sleep(0) all three have started; t1.done() =', t1.done())
    r1 = await t1
    print('main: t1 ->', r1, '| t2.done() =', t2.done(), '| t3.done() =', t3.done())
    print('main: results', await t2, await t3)

asyncio.run(main())
