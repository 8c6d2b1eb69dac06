# own: f-strings with format specs: {x:.2f} {x!r} {x:>5} {x:<5} {x:^7} {n:05d} {n:,} {n:x} {x:e} {x:%}, nested specs, {{ }}, repr of values inside.
import asyncio

async def main():
    x = 3.14159
    n = 42
    s = 'hi'
    print(f'{x:.2f} {x:.0f} {x:8.3f}| {x:<8.1f}| {x:e} {0.25:%} {0.256:.1%}')
    print(f'[{n:>5}] [{n:<5}] [{n:^7}] [{n:05d}] [{n:+d}] [{-n:d}]')
    print(f'{n:x} {n:X} {n:o} {n:b} {1234567:,} {1234567.891:,.2f}')
    q = "it's"
    print(f'[{s:>5}] [{s:<5}] [{s:*^6}] {s!r} {s!s} {q!r} {q}')
    await asyncio.sleep(0.1)
    width = 8
    digits = 3
    print(f'[{x:{width}.{digits}f}] [{s:>{width}}]')
    print(f'{{literal braces}} {n}')
    print(f'{2.5:.0f} {3.5:.0f} {0.125:.2f} {0.375:.2f} {1e16} {1/3} {-0.0} {1.0}')
    print(f'{[1, "a", 2.0]} {(1, "b")} { {"k": None} } {None} {True}')
    print(f'{x!r:>12}| {"é中":>4}|')
    await asyncio.sleep(0.1)
    for name, score in [('ann', 9.5), ('bob', 10), ('cy', 7.25)]:
        print(f'{name:<6}{score:>6.2f}')

asyncio.run(main())
