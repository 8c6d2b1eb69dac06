# own: assignment, augmented assignment (+= -= *= /= //= %= **= on ints, floats, strings, lists), tuple unpacking, swap, nested unpacking, chained assignment.
import asyncio

async def measure(name, seconds):
    await asyncio.sleep(seconds)
    return name, seconds * 1000

async def main():
    x = 10
    x += 5
    x -= 3
    x *= 4
    print('x =', x)
    x //= 5
    print('x //= 5 ->', x)
    x %= 4
    x **= 3
    print('x ->', x)
    y = 7
    y /= 2
    print('y =', y)
    s = 'ab'
    s += 'cd'
    s *= 2
    print('s =', s)
    items = [1]
    items += [2, 3]
    items *= 2
    print('items =', items)
    a, b = 1, 2
    a, b = b, a
    print('swapped:', a, b)
    (p, q), r = (3, 4), 5
    print('nested:', p, q, r)
    i = j = 0
    i += 1
    print('chained:', i, j)
    name, ms = await measure('nap', 0.2)
    print(f'{name} took {ms:.0f} ms')
    for key, (low, high) in [('a', (1, 2)), ('b', (3, 4))]:
        print(key, low + high)
    first, second = 'xy'
    print(first, second)

asyncio.run(main())
