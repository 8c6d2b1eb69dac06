# own: asyncio.wait with FIRST_COMPLETED, with a timeout, and ALL_COMPLETED; cancelling what is pending.
import asyncio


async def job(name, delay):
    await asyncio.sleep(delay)
    return name


async def main():
    tasks = [asyncio.create_task(job(n, d)) for n, d in [('slow', 0.3), ('fast', 0.1), ('mid', 0.2)]]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print('first:', [t.result() for t in done], len(pending))
    done, pending = await asyncio.wait(pending, timeout=0.15)
    print('by the timeout:', sorted(t.result() for t in done), len(pending))
    for t in pending:
        t.cancel()
    done, pending = await asyncio.wait(pending)
    print('after cancel:', [t.cancelled() for t in done], len(pending))
    more = [asyncio.create_task(job(str(i), i / 10)) for i in range(3)]
    done, pending = await asyncio.wait(more)
    print('all:', sorted(t.result() for t in done), pending)


asyncio.run(main())
