# Adapted from the seed's §4.3: its five requests go to http://example.com;
# here to the in-browser server's /api/delay/300.
import asyncio
import aiohttp

async def fetch_url(session, url):
    async with session.get(url) as response:
        return await response.text()

async def main():
    async with aiohttp.ClientSession() as session:
        tasks = [fetch_url(session, 'http://127.0.0.1:8080/api/delay/300') for _ in range(5)]
        responses = await asyncio.gather(*tasks)
        for resp in responses:
            print(resp[:50])  # 打印每个请求的前50个字符

asyncio.run(main())
