# seed 001 (generator producer/consumer): a consumer driven by send(), close(); copied unmodified, COUSUMER typo included, but for the web page's no-break spaces (U+00A0) turned into spaces.
# consumer函数是一个生成器
def consumer():
    r = ''
    while True:
        n = yield r
        if not n:
            return 
        print('[COUSUMER] Consuming %s...' % n)
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
