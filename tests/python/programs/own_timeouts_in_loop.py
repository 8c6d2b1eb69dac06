# own: asyncio.wait_for in a loop with growing timeouts (0.1, 0.2, 0.35 s) around a 0.25 s job: two timeouts, then the result.
import asyncio

async def job(attempt):
    print(f'job {attempt}: started')
    await asyncio.sleep(0.25)
    return f'job {attempt} result'

async def main():
    timeout = 0.1
    attempt = 1
    while True:
        try:
            result = await asyncio.wait_for(job(attempt), timeout)
        except asyncio.TimeoutError:
            print(f'attempt {attempt}: timed out after {timeout} s')
            attempt += 1
            if timeout < 0.2:
                timeout = 0.2
            else:
                timeout = 0.35
            continue
        print(f'attempt {attempt}: {result}')
        break

asyncio.run(main())
