# lesson src/lessons/errors.py, unmodified: named tasks awaited in turn, one raising ValueError caught and printed with !r.
# Adapted: the seed's §6.1 advises care with exceptions but has no program;
# this is the canonical one.
import asyncio

async def work(name, seconds):
    await asyncio.sleep(seconds)
    print(f'{name} done')
    return name

async def fail(seconds):
    await asyncio.sleep(seconds)
    raise ValueError('the disk is full')

async def main():
    tasks = [asyncio.create_task(work('a', 0.1), name='a'),
             asyncio.create_task(fail(0.2), name='fail'),
             asyncio.create_task(work('b', 0.3), name='b')]
    for task in tasks:
        try:
            print(f'{task.get_name()}: {await task!r}')
        except ValueError as e:
            print(f'{task.get_name()} raised {e!r}')

asyncio.run(main())
