# own: if/elif/else, for and while with break and continue, nested loops, default and keyword arguments, between sleeps of a coroutine.
import asyncio

def classify(n, small=10):
    if n < 0:
        return 'negative'
    elif n == 0:
        return 'zero'
    elif n < small:
        return 'small'
    else:
        return 'large'

async def main():
    for n in [-5, 0, 3, 42]:
        print(n, classify(n), classify(n, small=100))
    await asyncio.sleep(0.1)
    total = 0
    for i in range(10):
        if i % 2 == 0:
            continue
        if i > 7:
            break
        total += i
    print('odd numbers below 8 add up to', total)
    n = 27
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    print('27 reaches 1 in', steps, 'steps')
    await asyncio.sleep(0.1)
    for row in range(1, 4):
        line = ''
        for col in range(1, 6):
            if col > row + 1:
                break
            line += str(row * col) + ' '
        print('row', row, ':', line)
    count = 3
    while True:
        print('tick', count)
        await asyncio.sleep(0.1)
        count -= 1
        if count == 0:
            break
    print('liftoff')

asyncio.run(main())
