# lesson src/lessons/gather.py, variant MODE = 'collect-all' (only that constant changed): gather(return_exceptions=True) returns the ConnectionError in the list.
# Adapted from the seed's §4.3: its five aiohttp requests become sleeps.
import asyncio

# The lesson's mode: 'all-succeed', 'first-error' or 'collect-all'
MODE = 'collect-all'

async def fetch(name, seconds):
    await asyncio.sleep(seconds)  # stands in for session.get(url) in 002 §4.3
    if name == 'c' and MODE != 'all-succeed':
        raise ConnectionError(f'{name} failed')
    print(f'{name} done')
    return name.upper()

async def main():
    coros = [fetch('a', 3), fetch('b', 1), fetch('c', 2)]
    try:
        results = await asyncio.gather(*coros, return_exceptions=MODE == 'collect-all')
    except ConnectionError as e:
        print(f'gather raised: {e!r}')
        return
    print(results)

asyncio.run(main())
