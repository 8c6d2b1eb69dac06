# own: aiohttp ClientSession().get of an unresolvable host (http://nonexistent.invalid/) caught as aiohttp.ClientConnectorError; only stable text printed.
import asyncio
import aiohttp

async def main():
    async with aiohttp.ClientSession() as session:
        print('session open; closed =', session.closed)
        try:
            async with session.get('http://nonexistent.invalid/') as response:
                print('status', response.status)
        except aiohttp.ClientConnectorError as e:
            print('caught a ClientConnectorError:', type(e).__name__)
            print('host and port:', e.host, e.port)
            print('a ClientError too:', isinstance(e, aiohttp.ClientError))
        await asyncio.sleep(0.2)
        print('still going 0.2 s after the failure')
    print('session closed =', session.closed)

asyncio.run(main())
