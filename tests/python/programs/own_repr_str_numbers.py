# own: str/int/float/repr of numbers and strings, and repr of nested lists/dicts/tuples holding strings and floats such as 0.1+0.2, 1e16, 1.0.
import asyncio

async def main():
    print(0.1 + 0.2, 1e16, 1e15, 1.0, 1e-4, 1e-5, 1/3, 2/3, 10/2, 123456789.123456789)
    print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 2 ** 10, 2 ** 100, 2 ** 0.5, -0.0, float('inf'), -float('inf'))
    print(round(2.5), round(3.5), round(0.125, 2), round(2.675, 2), round(1234.5678, -2), round(7))
    print(int(3.99), int(-3.99), int('  42 '), int('-7'), float('1e3'), float(' 2.50 '), float(7))
    print(str(1e16), str(0.1), str(100), repr(1e-7), repr(1e22), repr(12345678901234567890.0))
    await asyncio.sleep(0.1)
    print(repr('plain'), repr("it's"), repr('say "hi"'), repr('both \' and "'), repr('tab\there'))
    print(repr('new\nline'), repr('back\\slash'), repr('中文'), repr(''), repr('\x00\x7f'))
    print(str('plain'), str(None), str(True), str([1, 'a']), str((1,)), repr(False))
    nested = [1, 'a', (2.5, None), {'k': [0.1 + 0.2, 1e16, 1.0]}, True, "it's", ('x',)]
    print(nested)
    print(repr(nested) == str(nested), len(repr(nested)))
    await asyncio.sleep(0.1)
    d = {'float': 0.1, 'neg': -1.5e-10, 'big': 1.5e300, 'tuple': (1, 'two', 3.0), 1: 'int key', (1, 2): 'tuple key'}
    print(d)
    print(repr({'a': {'b': ['c', ("d", 'e"f')]}}))

asyncio.run(main())
