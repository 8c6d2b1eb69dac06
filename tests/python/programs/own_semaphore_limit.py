# own: asyncio.Semaphore(2) limiting five workers: two at a time, let in by arrival (FIFO) as others leave; locked().
import asyncio

async def worker(sem, name, seconds):
    print(f'{name}: waiting')
    async with sem:
        print(f'{name}: in (locked: {sem.locked()})')
        await asyncio.sleep(seconds)
        print(f'{name}: out')

async def main():
    sem = asyncio.Semaphore(2)
    jobs = []
    for name, seconds in [('A', 0.3), ('B', 0.1), ('C', 0.25), ('D', 0.1), ('E', 0.2)]:
        jobs.append(worker(sem, name, seconds))
    await asyncio.gather(*jobs)
    print('all done; locked:', sem.locked())

asyncio.run(main())
