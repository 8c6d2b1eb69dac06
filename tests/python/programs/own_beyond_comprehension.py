# own, beyond the listed subset: list, dict and nested comprehensions, with conditions, and a generator expression, feeding asyncio.gather.
import asyncio

async def cube(n):
    await asyncio.sleep(0.1 * n)
    print('cube of', n)
    return n ** 3

async def main():
    squares = [n * n for n in range(6)]
    print('squares:', squares)
    print('even squares:', [s for s in squares if s % 2 == 0])
    print('dict:', {n: str(n) * n for n in range(1, 4)})
    print('pairs:', [(a, b) for a in range(3) for b in range(a)])
    print('sum of a generator expression:', sum(n for n in range(10) if n % 3 == 0))
    cubes = await asyncio.gather(*[cube(n) for n in [3, 1, 2]])
    print('cubes:', cubes)

asyncio.run(main())
