# own: asyncio.Event: three waiters woken by one set() at 0.3 s, in the order they waited; is_set(), clear(), wait() on a set event.
import asyncio

async def waiter(event, name):
    print(f'{name}: waiting')
    await event.wait()
    print(f'{name}: woken')

async def main():
    event = asyncio.Event()
    tasks = []
    for name in ['first', 'second', 'third']:
        tasks.append(asyncio.create_task(waiter(event, name)))
    await asyncio.sleep(0.3)
    print('main: is_set() before set():', event.is_set())
    event.set()
    print('main: is_set() after set():', event.is_set())
    await asyncio.gather(*tasks)
    event.clear()
    print('main: cleared, is_set():', event.is_set())
    late = asyncio.create_task(waiter(event, 'late'))
    await asyncio.sleep(0.2)
    event.set()
    await late
    await event.wait()
    print('main: wait() on a set event returns at once')

asyncio.run(main())
