# own: asyncio.wait_for: a result in time; a timeout (asyncio.TimeoutError, TimeoutError itself in 3.11) whose victim sees CancelledError and runs finally; timeout=0.
import asyncio

async def slow(name, seconds):
    try:
        await asyncio.sleep(seconds)
        print(f'{name}: finished')
        return f'{name} result'
    except asyncio.CancelledError:
        print(f'{name}: cancelled by wait_for')
        raise
    finally:
        print(f'{name}: finally')

async def main():
    print(await asyncio.wait_for(slow('quick', 0.1), timeout=0.5))
    try:
        await asyncio.wait_for(slow('sluggish', 2), timeout=0.3)
        print('not reached')
    except asyncio.TimeoutError as e:
        print('timed out:', repr(e))
    print('asyncio.TimeoutError is TimeoutError:', asyncio.TimeoutError is TimeoutError)
    try:
        await asyncio.wait_for(slow('never started', 0.1), timeout=0)
    except asyncio.TimeoutError:
        print('timeout=0: timed out before the coroutine ran at all')
    await asyncio.sleep(0.2)
    print('done')

asyncio.run(main())
