# own: json.dumps and json.loads round trips, their errors, and print with sep= and end= building lines from pieces across awaits.
import asyncio
import json


async def main():
    data = {'name': 'job', 'tries': 3, 'ok': True, 'ratio': 0.5, 'tags': ['a', 'b'], 'none': None}
    text = json.dumps(data)
    print(text)
    back = json.loads(text)
    print(back == data, back['tags'], type(back['tries']).__name__)
    print(json.dumps([1, 'two', 3.0, [], {}]), json.dumps('é\n"'), json.dumps({1: 'int key'}))
    print(json.loads('[1, 2.5, "x", true, false, null]'), json.loads('{"a": {"b": [1]}}')['a']['b'])
    try:
        json.loads('{"a": 1,}')
    except json.JSONDecodeError as e:
        print('JSONDecodeError:', e)
    try:
        json.dumps({'s': {1, 2}})
    except TypeError as e:
        print('TypeError:', e)
    print('a', 'b', 'c', sep='-', end='|')
    print('d', sep='', end='\n')
    for i in range(3):
        print(i, end=' ')
        await asyncio.sleep(0.05)
    print('done', sep='')
    print(*['x', 'y'], sep=', ')
    print()
    print('last', end='')
    print()


asyncio.run(main())
