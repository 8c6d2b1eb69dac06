# own: time.perf_counter for elapsed times printed coarsely (:.1f and round()): awaits in sequence add up, gather overlaps them.
import asyncio
import time

async def nap(seconds):
    await asyncio.sleep(seconds)
    return seconds

async def main():
    start = time.perf_counter()
    await nap(0.3)
    await nap(0.4)
    print(f'sequential: {time.perf_counter() - start:.1f} s')
    start = time.perf_counter()
    await asyncio.gather(nap(0.3), nap(0.4), nap(0.2))
    elapsed = time.perf_counter() - start
    print(f'gathered: {elapsed:.1f} s')
    print('rounded:', round(elapsed), round(elapsed * 10), '| under half a second:', elapsed < 0.5)

started = time.perf_counter()
asyncio.run(main())
print('total:', round(time.perf_counter() - started, 1), 's')
