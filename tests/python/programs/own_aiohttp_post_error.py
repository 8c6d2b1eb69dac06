# own: aiohttp session.post(json=...) to an unresolvable host caught as aiohttp.ClientError; gather(return_exceptions=True) of two delayed GETs; class names only.
import asyncio
import aiohttp

URL = 'http://nonexistent.invalid/'

async def post(session, payload):
    try:
        async with session.post(URL + 'submit', json=payload) as response:
            return response.status
    except aiohttp.ClientError as e:
        print('post failed with', type(e).__name__)
        return None

async def get(session, delay):
    await asyncio.sleep(delay)
    print(f'get after {delay} s')
    async with session.get(URL, params={'q': 'x'}) as response:
        return await response.text()

async def main():
    async with aiohttp.ClientSession() as session:
        print('post ->', await post(session, {'name': 'asyncscope', 'n': 1}))
        results = await asyncio.gather(get(session, 0.3), get(session, 0.1), return_exceptions=True)
        for r in results:
            print('gathered:', type(r).__name__, isinstance(r, aiohttp.ClientConnectorError))

asyncio.run(main())
