# own: asyncio.Lock: acquire()/release() by main, then async with in three tasks that get it in FIFO order; locked().
import asyncio

async def writer(lock, name, log):
    async with lock:
        print(f'{name}: has the lock')
        log.append(name)
        await asyncio.sleep(0.1)
    print(f'{name}: released')

async def main():
    lock = asyncio.Lock()
    print('locked at first:', lock.locked())
    await lock.acquire()
    print('main acquired it:', lock.locked())
    log = []
    tasks = []
    for name in ['w1', 'w2', 'w3']:
        tasks.append(asyncio.create_task(writer(lock, name, log)))
    await asyncio.sleep(0.2)
    print('main: still holding it at 0.2 s, log =', log)
    lock.release()
    for t in tasks:
        await t
    print('log:', log, '| locked:', lock.locked())

asyncio.run(main())
