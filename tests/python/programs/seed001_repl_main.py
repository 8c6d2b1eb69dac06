# seed 001 (REPL session after the coroutine example): async def main with sleep(1), asyncio.run; the session's >>> and ... prompts stripped, nothing else changed.
# 直接调用main()并不会执行协程应用。
import asyncio
async def main():
       print('hello')    
       await asyncio.sleep(1)
       print('world')
asyncio.run(main())
