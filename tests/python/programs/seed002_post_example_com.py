# seed 002 §5.3 (advanced use): aiohttp POST to https://www.example.com with headers and params; copied unmodified (network: fails here). Its times vary with the DNS lookup (and TLS setup).
import aiohttp
import asyncio

async def fetch_url(url):
    headers = {'user-agent': 'Mozilla/5.0'}
    params = {'key': 'value'}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, params=params) as response:
            return await response.text()

async def main():
    url = 'https://www.example.com'
    html = await fetch_url(url)
    print(html)

if __name__ == '__main__':
    asyncio.run(main())
