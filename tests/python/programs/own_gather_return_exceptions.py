# own: gather with return_exceptions=True (the exception sits in the list) and without (the first one propagates; the others run on).
import asyncio

async def job(name, seconds, fail=False):
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f'{name} failed')
    print(f'{name} ok')
    return name

async def main():
    results = await asyncio.gather(job('a', 0.1), job('b', 0.2, True), job('c', 0.3),
                                   return_exceptions=True)
    print('with return_exceptions:', results)
    print('the exception:', results[1], '|', repr(results[1]))
    try:
        await asyncio.gather(job('d', 0.1), job('e', 0.2, True), job('f', 0.4))
        print('not reached')
    except ValueError as e:
        print('without: gather raised', repr(e))
    await asyncio.sleep(0.3)
    print('main: f finished meanwhile')

asyncio.run(main())
