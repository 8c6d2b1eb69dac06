# seed 003 §1.2 (Python's async IO module): print, await asyncio.sleep(1), print; copied unmodified.
import asyncio

async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')

asyncio.run(main())
