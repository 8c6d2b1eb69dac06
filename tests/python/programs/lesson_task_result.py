# lesson src/lessons/task_result.py, unmodified (= seed 000 §2.2.1): create_task(nested()) awaited, asyncio.run's value printed (None).
import asyncio

async def nested():
    return 42

async def main():
    # Schedule nested() to run concurrently with "main()".
    task = asyncio.create_task(nested())

    # "task" can be used to cancel "nested()", or
    # wait until it is complete:
    await task

print(asyncio.run(main()))
