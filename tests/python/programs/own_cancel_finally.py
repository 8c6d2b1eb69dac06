# own: cancel during sleep runs finally; a task that swallows CancelledError returns normally; a task cancelled before it starts never runs.
import asyncio

async def sleeper():
    try:
        print('sleeper: going to sleep for 1 s')
        await asyncio.sleep(1)
        print('sleeper: woke up (not printed)')
    finally:
        print('sleeper: finally runs')

async def stubborn():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print('stubborn: swallowed the cancellation')
    return 'stubborn result'

async def never():
    print('never: this is not printed')

async def main():
    a = asyncio.create_task(sleeper())
    b = asyncio.create_task(stubborn())
    c = asyncio.create_task(never())
    c.cancel()
    await asyncio.sleep(0.25)
    a.cancel()
    b.cancel()
    try:
        await a
    except asyncio.CancelledError:
        print('main: sleeper cancelled() =', a.cancelled())
    print('main: stubborn returned', repr(await b), '| cancelled() =', b.cancelled())
    try:
        await c
    except asyncio.CancelledError:
        print('main: never cancelled() =', c.cancelled())

asyncio.run(main())
