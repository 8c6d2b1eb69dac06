# own: str methods: split/rsplit with maxsplit, join, strip family, replace, format, center/ljust/rjust, zfill, startswith/endswith with tuples, find/index/count, partition.
import asyncio


async def main():
    line = '  alpha, beta ,gamma  '
    print(line.split(','), line.strip().split(',', 1), 'a b  c'.split(), 'a-b-c'.rsplit('-', 1))
    print('|'.join(['x', 'y', 'z']), ''.join(reversed('abc')))
    print(repr(line.strip()), repr(line.lstrip()), repr(line.rstrip()), 'xxhixx'.strip('x'))
    print('banana'.replace('a', 'o'), 'banana'.replace('a', 'o', 2))
    print('{} + {} = {}'.format(1, 2, 3), '{name}:{0:>4}'.format(7, name='n'), '{:.2f}'.format(3.14159))
    print('[' + 'mid'.center(9, '*') + ']', '[' + 'ab'.center(5) + ']', 'l'.ljust(4, '.') + '|', 'r'.rjust(4) + '|')
    print('42'.zfill(5), '-42'.zfill(6), '+7'.zfill(4), 'abc'.zfill(2))
    print('file.py'.endswith(('.py', '.txt')), 'http://x'.startswith('https'), 'abc'.startswith(''))
    print('hello'.find('l'), 'hello'.rfind('l'), 'hello'.find('z'), 'hello'.index('e'), 'banana'.count('an'), 'aaa'.count(''))
    print('key=value=x'.partition('='), 'key=value=x'.rpartition('='), 'none'.partition('='))
    print('Hello World'.upper(), 'Hello World'.lower(), 'hello world'.title(), 'hello'.capitalize())
    print('123'.isdigit(), 'abc'.isalpha(), 'a1'.isalnum(), '   '.isspace())
    try:
        'hello'.index('z')
    except ValueError as e:
        print('ValueError:', e)
    await asyncio.sleep(0.01)


asyncio.run(main())
