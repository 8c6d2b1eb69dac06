# own: threading.current_thread().name and the old currentThread().getName() (3.11: DeprecationWarning on stderr) at top level, in a coroutine and in tasks.
import asyncio
import threading

print('module:', threading.current_thread().name)
print('old spelling:', threading.currentThread().getName())

async def where(label, seconds):
    await asyncio.sleep(seconds)
    print(f'{label} runs in {threading.current_thread().name}')

async def main():
    print('main coroutine:', threading.current_thread().name)
    await asyncio.gather(where('task A', 0.2), where('task B', 0.1))
    print('one thread all along:', threading.current_thread().name == 'MainThread')

asyncio.run(main())
