//! The seed articles (shared/seeds/) the lessons retell: their own titles, in English, and
//! what each covers. A lesson names its article and the section its program comes from.

use super::Article;

/// 000: asynchat and asyncio together (async/await, tasks, semaphores, aiohttp, aiomysql, asynchat).
pub static ASYNCHAT_ASYNCIO: Article = Article {
    seed: "000",
    title: "【同步转异步的艺术】:Python asynchat与asyncio的无缝对接",
    title_en: "The art of going async: Python asynchat meets asyncio",
    summary: "async/await and the event loop, tasks, locks and semaphores, then asynchat and asyncio together.",
};

/// 001: a hands-on project (coroutines driven by send(), one thread, aiohttp).
pub static ASYNC_IO_PRACTICE: Article = Article {
    seed: "001",
    title: "python异步IO的项目实践",
    title_en: "Async IO in Python, in practice",
    summary:
        "Generators driven by send(), coroutines on one thread, and concurrent HTTP with aiohttp.",
};

/// 002: asyncio and aiohttp (tasks, gather, HTTP client and server, error handling).
pub static ASYNCIO_AIOHTTP: Article = Article {
    seed: "002",
    title: "Python中的异步编程与asyncio和aiohttp库",
    title_en: "Asynchronous programming in Python with asyncio and aiohttp",
    summary: "Tasks and gather, concurrent HTTP requests with error handling, and a small aiohttp server.",
};

/// 003: async IO and network programming (the event loop, blocking calls, sockets).
pub static ASYNC_IO_NETWORKING: Article = Article {
    seed: "003",
    title: "Python中的异步IO与网络编程",
    title_en: "Async IO and network programming in Python",
    summary:
        "The event loop and coroutines, async IO against threads and processes, network modules.",
};

/// 004: asynchat against the other async IO libraries (line-terminated protocols).
pub static ASYNCHAT_COMPARED: Article = Article {
    seed: "004",
    title: "【选择合适的异步IO工具】:Python asynchat与异步IO库对比",
    title_en: "Choosing an async IO tool: asynchat compared",
    summary: "asynchat's terminator-based protocol handling, compared with asyncio and friends.",
};
