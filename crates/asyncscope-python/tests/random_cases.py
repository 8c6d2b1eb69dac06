"""Prints what CPython draws for a few seeds: `SEED | 4x random() | 4x randint(1, 10) |
2x randint(0, 2**40) | 3x randint(-5, 5)`, one line a seed (src/random.rs's test reads it).
Run from the repository root: python3.11 crates/asyncscope-python/tests/random_cases.py
"""
import random

print("# python3.11 crates/asyncscope-python/tests/random_cases.py > crates/asyncscope-python/tests/random_cases.txt")
for seed in [0, 1, 7, 42, 2**32, 2**40 + 5, 12345678901234567890, -3]:
    random.seed(seed)
    floats = [repr(random.random()) for _ in range(4)]
    ints = [str(random.randint(1, 10)) for _ in range(4)]
    big = [str(random.randint(0, 2**40)) for _ in range(2)]
    small = [str(random.randint(-5, 5)) for _ in range(3)]
    print(seed, *(" ".join(x) for x in (floats, ints, big, small)), sep=" | ")
