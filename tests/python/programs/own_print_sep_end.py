# own: print with sep and end: pieces written with end='' at different moments form one line, stamped when its newline comes; the last line has no newline.
import asyncio

async def main():
    print('a', 'b', 'c')
    print('a', 'b', 'c', sep='-')
    print('a', 'b', sep='')
    print('no newline yet', end='')
    print(' ... continued', end='!\n')
    print()
    print('progress:', end=' ')
    for i in range(5):
        print(i, end=' ')
        await asyncio.sleep(0.1)
    print('done')
    print('x', 'y', sep='\n')
    print(1, 2.5, None, True, [1, 'two'], sep=' | ')
    print('tab\tinside')
    print('multi\nline', 'text', sep=', ', end=' END\n')
    await asyncio.sleep(0.1)
    print('last words, no newline', end='')

asyncio.run(main())
