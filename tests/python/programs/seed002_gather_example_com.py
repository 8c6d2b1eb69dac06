# seed 002 §4.3 (practice): gather of five aiohttp GETs of http://example.com, first 50 chars each; copied unmodified (network: fails here). Its times vary with the DNS lookup (and TLS setup).
import asyncio
import aiohttp

async def fetch_url(session, url):
    async with session.get(url) as response:
        return await response.text()

async def main():
    async with aiohttp.ClientSession() as session:
        tasks = [fetch_url(session, 'http://example.com') for _ in range(5)]
        responses = await asyncio.gather(*tasks)
        for resp in responses:
            print(resp[:50])  # 打印每个请求的前50个字符

asyncio.run(main())
