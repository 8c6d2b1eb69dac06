# Adapted from the seed's §5.1: fetch_url on a set of URLs at once.
import aiohttp
import asyncio

async def fetch_url(url):
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                response.raise_for_status()
                return f'{response.status} {(await response.text())[:60]}'
    except aiohttp.ClientError as e:
        return f'{type(e).__name__}: {e}'

async def main():
    urls = ['http://127.0.0.1:8080/api/posts/1',
            'http://localhost:8080/',
            'https://www.invalidurl.invalid/',
            'http://127.0.0.1:8080/api/status/404']
    for url, result in zip(urls, await asyncio.gather(*map(fetch_url, urls))):
        print(url, '->', result)

if __name__ == '__main__':
    asyncio.run(main())
