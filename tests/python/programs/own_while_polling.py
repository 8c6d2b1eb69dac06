# own: a while loop polling every 0.1 s a flag that another task sets at 0.35 s (a dict as shared state), then breaking out.
import asyncio

async def setter(state):
    await asyncio.sleep(0.35)
    state['ready'] = True
    print('setter: ready set')

async def poller(state):
    polls = 0
    while True:
        if state['ready']:
            print('poller: saw it after', polls, 'polls')
            break
        polls += 1
        print('poller: not yet', polls)
        await asyncio.sleep(0.1)
    return polls

async def main():
    state = {'ready': False}
    results = await asyncio.gather(poller(state), setter(state))
    print('results:', results, state)

asyncio.run(main())
