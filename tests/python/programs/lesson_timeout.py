# lesson src/lessons/timeout.py, unmodified: asyncio.wait_for that succeeds (0.1 s of 1 s) and one that times out (asyncio.TimeoutError) with a finally.
# Adapted: the seed's §5.3 only mentions setting timeouts (with aiohttp);
# this is the canonical asyncio.wait_for program.
import asyncio

async def fast():
    await asyncio.sleep(0.1)
    return 'fast result'

async def slow():
    try:
        await asyncio.sleep(10)
        return 'slow result'
    finally:
        pass  # cleanup: runs when slow() returns, and when wait_for cancels it

async def main():
    try:
        print(await asyncio.wait_for(fast(), timeout=1))
    except asyncio.TimeoutError:
        print('fast() timed out')
    try:
        print(await asyncio.wait_for(slow(), timeout=1))
    except asyncio.TimeoutError:
        print('slow() timed out')

asyncio.run(main())
