# own: a ValueError raised in a coroutine escapes asyncio.run after some prints (recorded as `raised ValueError: boom`); later code does not run.
import asyncio

async def check(n):
    await asyncio.sleep(0.2)
    if n > 2:
        raise ValueError('boom')
    print('check', n, 'ok')

async def main():
    for n in range(5):
        await check(n)
    print('not reached')

asyncio.run(main())
print('not reached either')
