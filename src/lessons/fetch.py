# Adapted from the seed's §3.2: it fetches jsonplaceholder.typicode.com/posts/1;
# here the in-browser server's copy of that post.
import aiohttp
import asyncio

async def fetch_url(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()

async def main():
    url = "http://127.0.0.1:8080/api/posts/1"
    html = await fetch_url(url)
    print(html)

loop = asyncio.get_event_loop()
loop.run_until_complete(main())
