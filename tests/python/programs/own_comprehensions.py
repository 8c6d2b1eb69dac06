# own: list, set, dict and generator comprehensions, nested with conditions, and the loop variable's own scope.
import asyncio


async def main():
    x = 'outer'
    squares = [x * x for x in range(6) if x % 2 == 0]
    print(squares, x)
    pairs = [(i, j) for i in range(3) for j in range(i) if i + j > 1]
    print(pairs)
    grid = [[r * 3 + c for c in range(3)] for r in range(2)]
    print(grid, [v for row in grid for v in row if v % 2])
    print({w[0] for w in ['apple', 'avocado', 'banana']})
    print({k: len(k) for k in ['a', 'bb', 'ccc'] if k != 'bb'})
    print(sum(n for n in range(10) if n > 5), max(len(w) for w in ['ab', 'abcd', 'a']))
    results = [await asyncio.sleep(0.01, result=i * 10) for i in range(3)]
    print(results)
    print([c.upper() if c in 'aeiou' else c for c in 'hello'])


asyncio.run(main())
