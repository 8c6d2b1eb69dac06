# seed 000 §2.3.1 (async HTTP request): aiohttp session.get of the seed's redacted URL '***'; copied unmodified (fails here).
import asyncio
import aiohttp

async def fetch(session, url):
    async with session.get(url) as response:
        return await response.text()

async def main():
    async with aiohttp.ClientSession() as session:
        html = await fetch(session, '***')
        print(html)

asyncio.run(main())
