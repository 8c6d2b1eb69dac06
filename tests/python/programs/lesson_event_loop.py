# lesson src/lessons/event_loop.py, unmodified: what the loop runs when: Event, sleep(0), call_later(0), create_future.
# Adapted from §2.1.2, whose program shows two tasks sleeping:
# this one shows what the loop runs, and when.
import asyncio

async def ready():
    return 'ready'               # completes without waiting for anything

async def main():
    loop = asyncio.get_running_loop()
    print('main: start')
    woken = asyncio.Event()

    async def waiter():
        await woken.wait()
        print('waiter: woken by main')

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)       # the waiter starts, and waits
    print(f'main: awaited a future that was {await ready()}')
    timer_ran = loop.create_future()

    def on_timer():
        print('timer: a 0 ms timer ran')
        timer_ran.set_result(None)

    loop.call_later(0, on_timer)
    # asyncio draws no frames: the Rust asks the browser for one here
    woken.set()                  # schedules the waiter; does not run it
    print('main: woke the waiter and set a timer')
    await task
    await timer_ran

asyncio.run(main())
# main: start
# main: awaited a future that was ready
# main: woke the waiter and set a timer
# waiter: woken by main
# timer: a 0 ms timer ran
