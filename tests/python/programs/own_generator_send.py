# own: generators: yield in a for loop, next(), a coroutine-style consumer driven by send() (as in seed 001) with return via StopIteration, close(); sends paced by sleeps.
import asyncio

def countdown(n):
    while n > 0:
        yield n
        n -= 1

def averager():
    total = 0.0
    count = 0
    average = None
    while True:
        value = yield average
        if value is None:
            return count
        total += value
        count += 1
        average = total / count

for n in countdown(3):
    print('countdown', n)
gen = countdown(2)
print('next:', next(gen), next(gen))
try:
    next(gen)
except StopIteration:
    print('StopIteration after the last value')

async def feed(values):
    avg = averager()
    print('primed:', avg.send(None))
    for v in values:
        await asyncio.sleep(0.1)
        print('sent', v, '-> average', avg.send(v))
    try:
        avg.send(None)
    except StopIteration as e:
        print('the consumer returned', e.value)

asyncio.run(feed([10, 20, 60, 1]))
g = countdown(5)
print('first of five:', next(g))
g.close()
print('after close():', next(g, 'the default'))
