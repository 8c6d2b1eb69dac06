import asyncio
import aiomysql

async def fetch_data(loop):
    conn = await aiomysql.connect(
        host='***.*.*.*', port=3306,
        user='root', password='password',
        db='test', loop=loop
    )
    async with conn.cursor() as cur:
        await cur.execute("SELECT `id`, `name` FROM `students`")
        result = await cur.fetchall()
        for row in result:
            print(row)
    conn.close()

loop = asyncio.get_event_loop()
loop.run_until_complete(fetch_data(loop))
