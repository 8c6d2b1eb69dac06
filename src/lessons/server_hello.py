# Adapted from the seed: its `yield from` and `loop=` no longer run on today's
# aiohttp, so this is the same server in async/await, plus a client to see it answer.
import asyncio
import aiohttp
from aiohttp import web

async def index(request):
    return web.Response(body=b'<h1>Index</h1>', content_type='text/html')

async def hello(request):
    await asyncio.sleep(0.5)
    text = '<h1>Hello, %s!</h1>' % request.match_info['name']
    return web.Response(body=text.encode('utf-8'), content_type='text/html')

async def init():
    app = web.Application()
    app.router.add_route('GET', '/', index)
    app.router.add_route('GET', '/hello/{name}', hello)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, '127.0.0.1', 8000).start()
    print('Server started at http://127.0.0.1:8000')

# and a client, to see it answer:
async def main():
    await init()
    async with aiohttp.ClientSession() as session:
        async def get(path):
            async with session.get('http://127.0.0.1:8000' + path) as r:
                return await r.text()
        paths = ['/'] + ['/hello/' + name for name in ['Ann', 'Bob', '张三', 'Zoë']]
        for text in await asyncio.gather(*map(get, paths)):
            print(text)

asyncio.run(main())
