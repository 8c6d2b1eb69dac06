# seed 003 §1.3 (event loop and coroutines): the same program as §1.2, repeated by the article; copied unmodified.
import asyncio

async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')

asyncio.run(main())
