# seed 000 §2.1.1 (async/await): print, await asyncio.sleep(1), print; copied unmodified.
import asyncio

async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')

# Python 3.7+
asyncio.run(main())
