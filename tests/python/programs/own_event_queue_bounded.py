# own: Event.clear and waiting again; Queue(maxsize) whose put blocks until a getter takes an item; full() and qsize().
import asyncio

start = 0.0


def stamp():
    return round(asyncio.get_running_loop().time() - start, 1)


async def producer(q):
    for i in range(4):
        await q.put(i)
        print(stamp(), 'put', i, 'qsize', q.qsize(), 'full', q.full())
    await q.put(None)


async def consumer(q):
    while (item := await q.get()) is not None:
        await asyncio.sleep(0.1)
        print(stamp(), 'got', item)


async def waiter(ev, n):
    await ev.wait()
    print(stamp(), 'waiter', n, 'woke')


async def main():
    global start
    start = asyncio.get_running_loop().time()
    q = asyncio.Queue(maxsize=2)
    await asyncio.gather(producer(q), consumer(q))
    ev = asyncio.Event()
    ev.set()
    await waiter(ev, 1)
    ev.clear()
    print('is_set after clear:', ev.is_set())
    w = asyncio.create_task(waiter(ev, 2))
    await asyncio.sleep(0.1)
    print(stamp(), 'setting')
    ev.set()
    await w


asyncio.run(main())
