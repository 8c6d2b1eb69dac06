# seed 002 §3.2 (aiohttp basics): GET https://jsonplaceholder.typicode.com/posts/1 via get_event_loop().run_until_complete; copied unmodified (network: fails here). Its times vary with the DNS lookup (and TLS setup).
import aiohttp
import asyncio

async def fetch_url(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()

async def main():
    url = "https://jsonplaceholder.typicode.com/posts/1"
    html = await fetch_url(url)
    print(html)

loop = asyncio.get_event_loop()
loop.run_until_complete(main())
