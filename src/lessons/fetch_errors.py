# Adapted from the seed's §5.2: five more ways to fail beside its invalid URL.
import aiohttp
import asyncio

async def fetch_url(url):
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()
    except aiohttp.InvalidURL as e:
        print(f'InvalidURL: {e}')
    except aiohttp.ClientConnectorError as e:
        print(f'ClientConnectorError: {e}')  # the seed: 连接错误
    except aiohttp.ClientResponseError as e:
        print(f'ClientResponseError: {e.status}')
    except aiohttp.ContentTypeError as e:
        print(f'ContentTypeError: {e}')

async def main():
    for url in ['https://www.invalidurl.invalid/',      # the seed's invalid URL
                'http://[::1',
                'http://127.0.0.1:8080/api/posts/101',
                'http://127.0.0.1:8080/api/status/500',
                'http://localhost:8080/',               # another origin (no CORS in Python)
                'http://127.0.0.1:8080/api/']:          # HTML, not JSON
        html = await fetch_url(url)
        if html:
            print(html)

asyncio.run(main())
