# own: random.seed(N) then random.random() and random.randint(a, b): exactly CPython's Mersenne Twister values; reseeding repeats them.
import asyncio
import random

def draws(seed):
    random.seed(seed)
    first = random.random()
    second = random.random()
    dice = []
    for _ in range(10):
        dice.append(random.randint(1, 6))
    print(f'seed {seed}: {first!r} {second!r}')
    print('  dice:', dice)
    print('  randint:', random.randint(0, 100), random.randint(-10, 10), random.randint(5, 5),
          random.randint(0, 2 ** 40), random.randint(1, 10 ** 20))
    print('  then random():', random.random())

async def main():
    for seed in [0, 1, 42, 12345, 2 ** 32 + 1, 10 ** 30]:
        draws(seed)
        await asyncio.sleep(0.05)
    random.seed(42)
    again = random.random()
    print('seed 42 again gives the same first value:', again, again == 0.6394267984578837)

asyncio.run(main())
