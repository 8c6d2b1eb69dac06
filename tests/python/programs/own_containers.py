# own: lists, tuples and dicts: indexing (negative too), slicing (with steps), append, pop, in, len, keys(), values(), items(), get, nested values.
import asyncio

async def main():
    nums = [10, 20, 30, 40, 50]
    print(nums[0], nums[-1], nums[1:3], nums[:2], nums[3:], nums[::2], nums[::-1], nums[-2:])
    nums.append(60)
    print('appended:', nums, len(nums))
    print('pop():', nums.pop(), 'pop(0):', nums.pop(0), '->', nums)
    print('30 in nums:', 30 in nums, '| 99 not in nums:', 99 not in nums)
    nums[1] = 'thirty'
    print('assigned:', nums, nums + [1, 2], [0] * 3)
    point = (3, 4)
    print('tuple:', point, point[0], len(point), (1,), (), point + (5,))
    await asyncio.sleep(0.1)
    ages = {'ann': 31, 'bob': 27}
    ages['cy'] = 45
    ages['ann'] = 32
    print('dict:', ages, len(ages))
    print('keys:', ages.keys())
    print('values:', ages.values())
    print('items:', ages.items())
    print('list of keys:', list(ages.keys()))
    for name, age in ages.items():
        print(f'  {name} is {age}')
    print('get:', ages.get('bob'), ages.get('dan'), ages.get('dan', 0))
    print('pop:', ages.pop('bob'), ages)
    print("'cy' in ages:", 'cy' in ages)
    await asyncio.sleep(0.1)
    nested = {'list': [1, [2, 3]], 'tuple': (4, (5,)), 'dict': {'k': 'v'}}
    print(nested['list'][1][0], nested['tuple'][1], nested['dict']['k'])
    print('empty:', [], {}, ())
    grid = [[0, 0], [0, 0]]
    grid[1][0] = 7
    print('grid:', grid)

asyncio.run(main())
