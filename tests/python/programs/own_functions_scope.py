# own: def with defaults and keyword arguments, multiple return values, implicit None, recursion, a global counter, a nested def reading its enclosing names.
import asyncio

calls = 0

def factorial(n):
    global calls
    calls += 1
    if n <= 1:
        return 1
    return n * factorial(n - 1)

def describe(name, greeting='Hello', punctuation='!'):
    return greeting + ', ' + name + punctuation

def min_max(values):
    low = values[0]
    high = values[0]
    for v in values:
        if v < low:
            low = v
        if v > high:
            high = v
    return low, high

def nothing():
    pass

async def main():
    print(factorial(10), 'after', calls, 'calls')
    print(describe('Ann'), describe('Bob', 'Hi'), describe('Cy', punctuation='?'), describe(greeting='Yo', name='Di'))
    low, high = min_max([3, -1, 7, 2])
    print('min/max:', low, high, '| as one value:', min_max([5]))
    print('nothing() returns', nothing())
    prefix = 'step'

    async def numbered(i):
        await asyncio.sleep(0.1)
        return prefix + ' ' + str(i)

    for i in range(3):
        print(await numbered(i))
    print(factorial(20), 'after', calls, 'calls')

asyncio.run(main())
