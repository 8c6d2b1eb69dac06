# own: a KeyError in a gathered coroutine escapes asyncio.run (`raised KeyError: 'missing'`); asyncio.run first cancels the other task, whose finally prints.
import asyncio

async def lookup(table, key, seconds):
    await asyncio.sleep(seconds)
    print('looking up', repr(key))
    return table[key]

async def long_job():
    try:
        print('long_job: started')
        await asyncio.sleep(5)
    finally:
        print('long_job: finally (cancelled by asyncio.run)')

async def main():
    table = {'present': 1}
    job = asyncio.create_task(long_job())
    print('found', await lookup(table, 'present', 0.1))
    await asyncio.gather(lookup(table, 'missing', 0.2), asyncio.sleep(1))
    print('not reached', job)

asyncio.run(main())
