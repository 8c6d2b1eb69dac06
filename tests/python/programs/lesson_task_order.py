# lesson src/lessons/task_order.py, unmodified (= seed 002 §4.2): create_task of a 2 s and a 1 s task, awaited in creation order.
import asyncio

async def async_task(name, seconds):
    print(f"Start async task {name}")
    await asyncio.sleep(seconds)  # 模拟一个耗时操作
    print(f"Async task {name} completed")

async def main():
    task1 = asyncio.create_task(async_task("Task 1", 2))
    task2 = asyncio.create_task(async_task("Task 2", 1))
    await task1
    await task2

asyncio.run(main())
