# lesson src/lessons/create_task.py, unmodified (= seed 000 §2.1.2): two create_task'd say_after(1 s / 2 s) awaited in turn.
import asyncio

async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)

async def main():
    task1 = asyncio.create_task(say_after(1, 'hello'))
    task2 = asyncio.create_task(say_after(2, 'world'))

    await task1
    await task2

# Python 3.7+
asyncio.run(main())
