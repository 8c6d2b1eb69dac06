# lesson src/lessons/blocking.py, unmodified: a CPU-bound crunch(300) with no await delays a 100 ms timer (work_blocking, as the file runs it).
# Adapted from 002 §6.1 (avoid blocking calls in async code) and
# 003 §3 (CPU-bound work belongs in threads or processes): the seeds
# give no program for either.
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor

def crunch(ms):
    """CPU work with no await inside: nothing else runs meanwhile."""
    end = time.perf_counter() + ms / 1000
    x = 0x9E3779B97F4A7C15
    while time.perf_counter() < end:
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
    return x

async def timer():
    print('timer: set for 100 ms')
    await asyncio.sleep(0.1)
    print('timer: fired')

async def work_blocking():
    crunch(300)                  # blocks the event loop for 300 ms

async def work_chunked():
    for _ in range(30):
        crunch(10)
        await asyncio.sleep(0)   # back to the loop: due timers run here

async def work_in_process():
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor() as pool:
        await loop.run_in_executor(pool, crunch, 300)

async def main(work):
    t = asyncio.create_task(timer())
    await asyncio.sleep(0)       # the timer starts first
    print('work: start')
    await work()
    print('work: done')
    await t

if __name__ == '__main__':
    asyncio.run(main(work_blocking))
    # prints, with work_blocking:
    #   timer: set for 100 ms / work: start / work: done / timer: fired
    # with work_chunked or work_in_process:
    #   timer: set for 100 ms / work: start / timer: fired / work: done
