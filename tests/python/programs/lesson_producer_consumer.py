# lesson src/lessons/producer_consumer.py, unmodified: seed 001's send() producer/consumer, then an asyncio.Queue(2) producer (0.1 s) and consumer (0.3 s).
# Adapted from the seed: its COUSUMER typo mended, and a queue variant below.
# consumer函数是一个生成器
def consumer():
    r = ''
    while True:
        n = yield r
        if not n:
            return 
        print('[CONSUMER] Consuming %s...' % n)
        r = '200 OK'
def produce(c):
    # 启动生成器
    c.send(None)
    n = 0
    while n < 5:
        n = n + 1
        print('[PRODUCER] Producing %s...' % n)
        r = c.send(n)
        print('[PRODUCER] Consumer return:%s' % r)
    c.close()
# 注意到consumer函数是一个generator,把一个consumer传入produce后:
# 首先调用c.send(None)启动生成器;
# 然后,一旦生产了东西,通过c.send(n)切换到consumer执行;
# consumer通过yield拿到消息处理,又通过yield把结果传回;
# produce拿到consumer处理的结果,继续生产下一条消息;
# produce决定不生产了,通过c.close()关闭consumer,整个过程结束。
# 整个流程无锁,由一个线程执行,produce和consumer协作完成任务,所以称为“协程”,而非线程的抢占式多任务。    
c = consumer()
produce(c)

# The `queue` variant (not in the seed): asyncio.Queue(maxsize) between
# a producer and a consumer that run at their own speeds.
import asyncio

async def producer(queue, n, produce_s):
    for i in range(1, n + 1):
        await asyncio.sleep(produce_s)  # make an item
        print('[PRODUCER] Producing %s...' % i)
        if queue.full():
            print('[PRODUCER] queue full (%s/%s), waiting' % (queue.qsize(), queue.maxsize))
        await queue.put(i)              # waits while the queue is full
    await queue.put(None)               # no more items

async def consumer_task(queue, consume_s):
    while (n := await queue.get()) is not None:
        print('[CONSUMER] Consuming %s...' % n)
        await asyncio.sleep(consume_s)

async def main(n=5, capacity=2, produce_s=0.1, consume_s=0.3):
    queue = asyncio.Queue(capacity)
    await asyncio.gather(producer(queue, n, produce_s), consumer_task(queue, consume_s))

asyncio.run(main())
