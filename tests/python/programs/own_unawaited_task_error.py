# own: a task nobody awaits raises; the program goes on (CPython logs to stderr only); its exception is read later with exception().
import asyncio


async def fails(n):
    await asyncio.sleep(0.05 * n)
    print('failing', n)
    raise ValueError(f'task {n} failed')


async def main():
    t1 = asyncio.create_task(fails(1))
    asyncio.create_task(fails(2))
    await asyncio.sleep(0.2)
    print('main still running; t1 done:', t1.done())
    print('t1 exception:', repr(t1.exception()))
    await asyncio.sleep(0.05)
    print('main ends')


asyncio.run(main())
