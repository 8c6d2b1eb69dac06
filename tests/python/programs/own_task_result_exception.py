# own: a task's done(), result() and exception() after it returned or raised; awaiting a finished task again gives the same result or raises again.
import asyncio

async def ok(seconds):
    await asyncio.sleep(seconds)
    return 'fine'

async def bad(seconds):
    await asyncio.sleep(seconds)
    raise RuntimeError('went wrong')

async def main():
    good = asyncio.create_task(ok(0.1))
    failing = asyncio.create_task(bad(0.2))
    print('done() at start:', good.done(), failing.done())
    await asyncio.sleep(0.15)
    print('at 0.15 s done():', good.done(), failing.done(), '| result():', good.result())
    await asyncio.sleep(0.1)
    print('at 0.25 s done():', failing.done(), '| exception():', repr(failing.exception()))
    print('good.exception():', good.exception())
    try:
        failing.result()
    except RuntimeError as e:
        print('result() raised', repr(e))
    print('await good twice:', await good, await good)
    for attempt in range(2):
        try:
            await failing
        except RuntimeError as e:
            print('await failing, attempt', attempt, '->', e)

asyncio.run(main())
