# seed 002 §5.2 (error handling): GET https://www.invalidurl.com, aiohttp.ClientConnectorError caught and printed; copied unmodified (network: fails here, as the seed means it to). Its times vary with the DNS lookup (and TLS setup).
import aiohttp
import asyncio

async def fetch_url(url):
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.text()
    except aiohttp.ClientConnectorError as e:
        print(f'连接错误:{e}')

async def main():
    url = 'https://www.invalidurl.com'
    html = await fetch_url(url)
    if html:
        print(html)

if __name__ == '__main__':
    asyncio.run(main())
