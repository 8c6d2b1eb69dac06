# own: list/dict/set methods, sorted and sort with key= and reverse=, min/max with key and default, stable sorting.
import asyncio


async def main():
    words = ['pear', 'Apple', 'fig', 'banana', 'kiwi']
    print(sorted(words), sorted(words, key=str.lower) if False else sorted(words, key=lambda w: w.lower()))
    print(sorted(words, key=len), sorted(words, key=len, reverse=True))
    nums = [5, 3, 8, 1, 9, 2]
    nums.sort(reverse=True)
    print(nums, min(nums), max(nums), min(words, key=len), max(words, key=len))
    print(max([], default='empty'), min([3, 1, 2], key=lambda x: -x))
    people = [('ann', 30), ('bob', 25), ('cid', 30), ('dee', 25)]
    print(sorted(people, key=lambda p: p[1]))
    d = {'b': 2, 'a': 1}
    d['c'] = 3
    d.update({'a': 10}, z=26)
    print(d, list(d.keys()), list(d.values()), d.get('q', 0), d.pop('b'), d.setdefault('n', []))
    print(sorted(d.items()), 'a' in d, len(d))
    s = {3, 1, 2}
    s.add(4)
    s.discard(1)
    print(sorted(s), sorted(s | {9}), sorted(s & {2, 3}), sorted(s - {2}), s.issubset({2, 3, 4, 5}))
    lst = [1, 2, 3]
    lst.append(4)
    lst.extend([5, 6])
    lst.insert(0, 0)
    print(lst, lst.pop(), lst.pop(0), lst.index(3), lst.count(2), lst[::-1], lst[1:3])
    lst.remove(3)
    lst.reverse()
    print(lst)
    await asyncio.sleep(0.01)


asyncio.run(main())
