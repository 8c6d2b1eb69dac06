# own: generators: close() runs finally, throw() inside, yield from with a return value, StopIteration.value, a generator used by a task.
import asyncio


def counter():
    try:
        n = 0
        while True:
            got = yield n
            n += 1 if got is None else got
    finally:
        print('counter closed')


def inner():
    yield 1
    yield 2
    return 'inner done'


def outer():
    result = yield from inner()
    print('inner returned', result)
    yield 3


def guarded():
    while True:
        try:
            yield 'ok'
        except ValueError as e:
            print('caught inside:', e)
            yield 'recovered'


async def main():
    c = counter()
    print(next(c), next(c), c.send(10), next(c))
    c.close()
    print(list(outer()))
    g = guarded()
    print(next(g), g.throw(ValueError('bad')), next(g))
    r = inner()
    next(r)
    next(r)
    try:
        next(r)
    except StopIteration as e:
        print('stop value', e.value)
    await asyncio.sleep(0.03)
    print(sum(x for x in counter() if x < 0) if False else 'skipped')


asyncio.run(main())
