# own: enumerate/zip/map/filter/any/all/sum/divmod/abs/round, int() and float() of strings, and their errors.
import asyncio


async def main():
    names = ['a', 'b', 'c']
    print(list(enumerate(names)), list(enumerate(names, start=1)))
    print(list(zip(names, [1, 2, 3, 4])), dict(zip(names, range(3))))
    print(list(map(lambda x: x * 2, [1, 2, 3])), list(map(str, [1, 2])), list(filter(None, [0, 1, '', 'x'])))
    print(any([0, '', None]), any(x > 2 for x in [1, 3]), all([]), all([1, 0]))
    print(sum([1, 2, 3]), sum([0.5, 0.25]), sum([[1], [2]], []), divmod(17, 5), divmod(-17, 5), divmod(7.5, 2))
    print(abs(-3), abs(2.5), round(2.5), round(3.5), round(2.675, 2), round(1234, -2))
    print(int('42'), int(' -7 '), int('ff', 16), int('0b101', 0), int(3.99), int(-3.99), float('1.5'), float(' 2e3 '), float('inf'))
    for bad in ['4.2', 'abc', '']:
        try:
            int(bad)
        except ValueError as e:
            print('ValueError:', e)
    try:
        float('one')
    except ValueError as e:
        print('ValueError:', e)
    try:
        int(None)
    except TypeError as e:
        print('TypeError:', e)
    print(pow(2, 10), 2 ** -1, 7 // 2, -7 // 2, 7 % -3, 10 / 4, hex(255), bin(5), oct(8))
    await asyncio.sleep(0.01)


asyncio.run(main())
