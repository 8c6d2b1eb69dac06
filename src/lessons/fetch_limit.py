# Adapted from the seed's §6.2 advice (a sensible number of tasks) with the
# semaphore of article 000 §2.2.2 around §4.3's requests.
import asyncio
import aiohttp

sem = asyncio.Semaphore(3)  # at most 3 requests in flight

async def fetch_url(session, url):
    async with sem:
        async with session.get(url) as response:
            return await response.text()

async def main():
    async with aiohttp.ClientSession() as session:
        tasks = [fetch_url(session, 'http://127.0.0.1:8080/api/delay/200') for _ in range(8)]
        for resp in await asyncio.gather(*tasks):
            print(resp[:50])

asyncio.run(main())
