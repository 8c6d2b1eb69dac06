# own: try/except/else/finally with return, break and continue inside, finally overriding a return, exceptions raised in except and finally.
import asyncio


def f(n):
    try:
        if n == 0:
            return 'zero'
        if n == 1:
            raise ValueError('one')
    except ValueError as e:
        return f'caught {e}'
    else:
        return 'else'
    finally:
        print('finally', n)


def g():
    try:
        return 'try'
    finally:
        return 'finally wins'


async def main():
    for n in range(3):
        print(f(n))
    print(g())
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            print('body', i)
        finally:
            print('cleanup', i)
    try:
        try:
            {}['k']
        except KeyError:
            raise RuntimeError('in handler')
    except RuntimeError as e:
        print(repr(e), repr(e.__context__))
    await asyncio.sleep(0.02)
    try:
        try:
            1 / 0
        finally:
            print('finally before the handler')
    except ZeroDivisionError as e:
        print('handled', e)


asyncio.run(main())
