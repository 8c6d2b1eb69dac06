# own: asyncio.gather without return_exceptions: results in argument order, not finishing order; a gather inside a gather; gather of nothing.
import asyncio

async def square(n, seconds):
    await asyncio.sleep(seconds)
    print(f'square({n}) finished after {seconds} s')
    return n * n

async def main():
    results = await asyncio.gather(square(1, 0.3), square(2, 0.1), square(3, 0.2))
    print('results:', results)
    inner = asyncio.gather(square(4, 0.1), square(5, 0.05))
    outer = await asyncio.gather(inner, square(6, 0.15))
    print('nested:', outer)
    print('empty:', await asyncio.gather())

asyncio.run(main())
