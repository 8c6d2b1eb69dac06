# own: asyncio.shield keeps a task running when its waiter is cancelled; Task.add_done_callback; current_task().get_name().
import asyncio


async def important():
    name = asyncio.current_task().get_name()
    await asyncio.sleep(0.2)
    print('important finished in', name)
    return 'saved'


def on_done(task):
    print('callback:', task.get_name(), task.result() if not task.cancelled() else 'cancelled')


async def main():
    print('main is', asyncio.current_task().get_name())
    inner = asyncio.create_task(important(), name='keeper')
    inner.add_done_callback(on_done)
    try:
        await asyncio.wait_for(asyncio.shield(inner), timeout=0.1)
    except asyncio.TimeoutError:
        print('timed out waiting; inner done?', inner.done())
    print('inner result:', await inner)
    victim = asyncio.create_task(asyncio.sleep(1), name='victim')
    victim.add_done_callback(on_done)
    await asyncio.sleep(0.05)
    victim.cancel()
    await asyncio.sleep(0.01)
    print('victim cancelled:', victim.cancelled())


asyncio.run(main())
