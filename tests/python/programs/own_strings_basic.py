# own: strings: concatenation, repetition, indexing, slicing, len, in, comparison, str() of numbers, escapes and non-ASCII text, at 0.1 s steps.
import asyncio

async def main():
    s = 'asyncio'
    print(s + ' rocks', s * 2, s[0], s[-1], s[1:4], s[:5], s[5:], s[::-1], s[::2])
    print(len(s), 'sync' in s, 'xyz' in s, s == 'asyncio', 'abc' < 'abd', 'Z' < 'a')
    await asyncio.sleep(0.1)
    word = '协程'
    print(word, len(word), word[0], word + '与事件循环', '[' + word * 3 + ']')
    print('count: ' + str(3) + ', ratio: ' + str(0.5) + ', big: ' + str(10 ** 20))
    await asyncio.sleep(0.1)
    print('quotes: \'single\' "double"', "it's", 'back\\slash', 'a\tb')
    print('line one\nline two')
    print('empty:[' + '' + ']', len(''))
    text = ''
    for ch in 'abc':
        text = ch + text
    print('reversed by a loop:', text)

asyncio.run(main())
