# own: try/except/else/finally in each combination, raise and bare re-raise, except (A, B) as e, and the messages of common built-in errors.
import asyncio

def divide(label, a, b):
    try:
        result = a / b
    except ZeroDivisionError as e:
        print(label, 'except:', e)
        return 'failed'
    else:
        print(label, 'else: result', result)
        return 'ok'
    finally:
        print(label, 'finally')

def fails(n):
    if n == 0:
        return 1 / 0
    elif n == 1:
        return [1, 2][5]
    elif n == 2:
        return {'a': 1}['b']
    elif n == 3:
        return int('abc')
    elif n == 4:
        return 'a' + 1
    elif n == 5:
        return 1 + 'a'
    elif n == 6:
        return float('x')
    elif n == 7:
        return undefined_name
    elif n == 8:
        return [].pop()
    elif n == 9:
        return len(5)
    else:
        raise RuntimeError('custom message')

async def checked(n):
    await asyncio.sleep(0.05)
    try:
        fails(n)
    except (ValueError, TypeError) as e:
        print(n, 'ValueError or TypeError:', repr(e))
    except LookupError as e:
        print(n, 'LookupError:', repr(e), '| str:', e)
    except Exception as e:
        print(n, 'other:', repr(e))

async def reraise():
    try:
        await asyncio.sleep(0.1)
        raise KeyError('k')
    except KeyError:
        print('reraise: caught, raising it again')
        raise
    finally:
        print('reraise: finally')

async def main():
    print(divide('10/4', 10, 4))
    print(divide('1/0', 1, 0))
    for n in range(11):
        await checked(n)
    try:
        await reraise()
    except KeyError as e:
        print('main got', repr(e))

asyncio.run(main())
