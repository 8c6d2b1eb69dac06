# own: Task.cancel() during a sleep: the task catches CancelledError, cleans up with an await, re-raises; main catches it; cancel()'s return values.
import asyncio

async def download(n):
    try:
        for i in range(n):
            print(f'download: chunk {i}')
            await asyncio.sleep(0.2)
        return 'complete'
    except asyncio.CancelledError:
        print('download: cancelled, cleaning up')
        await asyncio.sleep(0.1)
        print('download: cleaned up, re-raising')
        raise

async def main():
    task = asyncio.create_task(download(10))
    await asyncio.sleep(0.5)
    print('main: cancel() returns', task.cancel())
    print('main: done() right after cancel():', task.done())
    try:
        await task
        print('not reached')
    except asyncio.CancelledError:
        print('main: CancelledError from the task')
    print('main: cancelled() =', task.cancelled(), 'done() =', task.done())
    print('main: cancel() on a finished task returns', task.cancel())

asyncio.run(main())
