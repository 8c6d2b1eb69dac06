# seed 002 §5.1 (async HTTP request): aiohttp GET https://www.example.com under if __name__ == '__main__'; copied unmodified (network: fails here). Its times vary with the DNS lookup (and TLS setup).
import aiohttp
import asyncio

async def fetch_url(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()

async def main():
    url = 'https://www.example.com'
    html = await fetch_url(url)
    print(html)

if __name__ == '__main__':
    asyncio.run(main())
