# own: asyncio.run returning main's value (and run twice), def/return, a coroutine awaiting another, sleeps of 0.1 and 0.2 s.
import asyncio

def double(n):
    return n * 2

async def step(name, seconds, value):
    await asyncio.sleep(seconds)
    print(f'{name}: slept {seconds} s')
    return double(value)

async def main():
    a = await step('first', 0.1, 10)
    b = await step('second', 0.2, a)
    print('main: a =', a, 'b =', b)
    return a + b

result = asyncio.run(main())
print('asyncio.run returned', result)
print('a second asyncio.run returned', asyncio.run(step('third', 0.05, 1)))
