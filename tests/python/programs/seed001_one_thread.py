# seed 001 (@asyncio.coroutine example): yield from asyncio.sleep, threading.current_thread(), run_until_complete(asyncio.wait); copied unmodified but for the web page's no-break spaces (U+00A0) turned into spaces: 3.11 has no asyncio.coroutine, so it raises.
import threading
import asyncio
@asyncio.coroutine
def hello():
    print('Hello World! (%s)' % threading.current_thread())
    # yield from调用另一个生成器
    r = yield from asyncio.sleep(1)
    print('Hello Again! (%s)' % threading.current_thread())
loop = asyncio.get_event_loop()
# 两个协程是由同一个线程并发执行的
tasks = [hello(), hello()]
loop.run_until_complete(asyncio.wait(tasks))
loop.close()
