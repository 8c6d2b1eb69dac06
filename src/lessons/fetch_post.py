# Adapted from the seed's §5.3: it posts to https://www.example.com; here to the
# in-browser server's echo, which shows what arrived. The timeout is added.
import aiohttp
import asyncio

async def fetch_url(url):
    headers = {'user-agent': 'Mozilla/5.0'}
    params = {'key': 'value'}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, params=params) as response:
            return await response.text()

async def slow(url, seconds):
    timeout = aiohttp.ClientTimeout(total=seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url) as response:
                return await response.text()
    except asyncio.TimeoutError:
        print(f'timed out after {seconds * 1000:.0f} ms')

async def main():
    html = await fetch_url('http://127.0.0.1:8080/api/echo')
    print(html)
    await slow('http://127.0.0.1:8080/api/delay/3000', 1)

if __name__ == '__main__':
    asyncio.run(main())
