# seed 002 §4.1 (async/await): main awaits async_function, which sleeps 1 s between two prints; copied unmodified.
import asyncio

async def async_function():
    print("Start async function")
    await asyncio.sleep(1)  # 模拟一个耗时操作
    print("Async function completed")

async def main():
    await async_function()

asyncio.run(main())
