# lesson src/lessons/cancel.py, unmodified: Task.cancel during a sleep loop, CancelledError caught and re-raised in the task, caught in main.
# Adapted: the seed's §2.2.1 only says a task "can be used to cancel";
# this is the canonical task.cancel() program.
import asyncio

async def worker():
    try:
        for i in range(1, 11):
            print(f'working {i}')
            await asyncio.sleep(0.1)
        return 'finished'
    except asyncio.CancelledError:
        print('worker: cancelled')
        raise

async def main():
    task = asyncio.create_task(worker())
    await asyncio.sleep(0.35)
    task.cancel()
    try:
        print(await task)
    except asyncio.CancelledError:
        print('main: the task was cancelled')
    print('main goes on')

asyncio.run(main())
