# own: asyncio.get_event_loop().run_until_complete with no running loop (3.11.7 warns nothing here; 3.10.0-3.10.8, 3.11.0 and 3.12+ do, on stderr), twice on one loop, then close().
import asyncio

async def greet(name, seconds):
    await asyncio.sleep(seconds)
    print(f'hello, {name}')
    return len(name)

loop = asyncio.get_event_loop()
print('first:', loop.run_until_complete(greet('world', 0.2)))
print('second:', loop.run_until_complete(asyncio.gather(greet('a', 0.1), greet('bcd', 0.05))))
print('is_closed():', loop.is_closed())
loop.close()
print('is_closed():', loop.is_closed())
