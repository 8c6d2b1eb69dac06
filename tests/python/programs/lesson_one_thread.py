# lesson src/lessons/one_thread.py, unmodified (= seed 001): @asyncio.coroutine, which 3.11 no longer has, so it raises AttributeError.
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
