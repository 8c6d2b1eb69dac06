# own: raise ... from, from None, __cause__ and __context__, an exception re-raised through tasks, and the last line of a chained escape.
import asyncio


class_like = {'name': 'config'}


def load(key):
    try:
        return class_like[key]
    except KeyError as e:
        raise ValueError(f'no setting {key}') from e


def quiet(key):
    try:
        return class_like[key]
    except KeyError:
        raise LookupError(key) from None


async def worker():
    await asyncio.sleep(0.05)
    load('port')


async def main():
    try:
        load('port')
    except ValueError as e:
        print(e, '|', repr(e.__cause__), '|', e.__context__ is e.__cause__)
    try:
        quiet('host')
    except LookupError as e:
        print(repr(e), e.__cause__, e.__suppress_context__ if False else 'suppressed')
    task = asyncio.create_task(worker())
    try:
        await task
    except ValueError as e:
        print('from the task:', e, type(e.__cause__).__name__)
    raise RuntimeError('giving up') from ValueError('root')


asyncio.run(main())
