# own: closures over a loop variable and over a default, nonlocal counters, global rebinding, a closure made in a coroutine and called after an await.
import asyncio

total = 0


def make_counter(start):
    count = start

    def step(by=1):
        nonlocal count
        count += by
        return count

    return step


def add_to_total(n):
    global total
    total += n
    return total


async def main():
    c = make_counter(10)
    print(c(), c(), c(5))
    late = [lambda: i for i in range(3)]
    early = [lambda i=i: i for i in range(3)]
    print([f() for f in late], [f() for f in early])
    print(add_to_total(3), add_to_total(4), total)
    seen = []

    def remember(x):
        seen.append(x)
        return len(seen)

    await asyncio.sleep(0.05)
    print(remember('a'), remember('b'), seen)

    def outer():
        x = 'outer'

        def inner():
            return x

        x = 'changed'
        return inner()

    print(outer())


asyncio.run(main())
