# lesson src/lessons/hello_sleep.py, unmodified (= seed 000 §2.1.1): print, await asyncio.sleep(1), print.
import asyncio

async def main():
    print('Hello')
    await asyncio.sleep(1)
    print('World')

# Python 3.7+
asyncio.run(main())
