# own: asyncio.Queue with three workers: put/get/task_done/join; each job goes to whichever worker is free; the idle workers are then cancelled.
import asyncio

async def worker(name, queue):
    while True:
        job, seconds = await queue.get()
        print(f'{name}: starts {job} ({seconds} s)')
        await asyncio.sleep(seconds)
        print(f'{name}: finished {job}')
        queue.task_done()

async def main():
    queue = asyncio.Queue()
    for job, seconds in [('j1', 0.3), ('j2', 0.1), ('j3', 0.2), ('j4', 0.15), ('j5', 0.08), ('j6', 0.1)]:
        await queue.put((job, seconds))
    print('queued:', queue.qsize())
    workers = []
    for i in range(3):
        workers.append(asyncio.create_task(worker(f'worker-{i}', queue)))
    await queue.join()
    print('main: join() returned; empty():', queue.empty())
    for w in workers:
        w.cancel()
    results = await asyncio.gather(*workers, return_exceptions=True)
    print('workers:', results)

asyncio.run(main())
