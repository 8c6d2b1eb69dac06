# own: % formatting: %s %d %.3f %r, widths and flags (%5d %-5s %05.1f %+d), %x %o %e %%, a tuple, a dict with %(name)s, %d of a float.
import asyncio

async def main():
    name = 'Ann'
    n = 7
    x = 2.0 / 3
    print('%s has %d items costing %.3f each (%r)' % (name, n, x, name))
    print('[%5d] [%-5d] [%05d] [%+d] [%5s] [%-5s]' % (n, n, n, n, name, name))
    print('%.1f %.0f %05.1f %e %.2e %g %g' % (x, 2.5, x, x, 12345.678, 0.0001, 1e20))
    print('%x %X %o %c %%' % (255, 255, 8, 65))
    await asyncio.sleep(0.1)
    print('%s' % 'single value', '%s' % [1, 'two'], '%s' % (('a', 'tuple'),))
    print('%r %r %r %r' % ('text', 1.0, None, [1, 'x']))
    print('%(who)s is %(age)d' % {'who': 'Bob', 'age': 27})
    print('%d %i %s' % (3.99, -2.5, 0.1 + 0.2))
    print('%s and %s' % (True, None), '%5.2f%%' % 12.3456)
    await asyncio.sleep(0.1)
    rows = [('apples', 3, 0.5), ('pears', 12, 1.25)]
    for fruit, count, price in rows:
        print('%-8s|%3d|%6.2f' % (fruit, count, price))

asyncio.run(main())
