//! What the playground refuses, in words that say what to use instead.

/// The words for `import name` of a module the playground does not have.
pub(crate) fn module_refusal(name: &str) -> String {
    let top = name.split('.').next().unwrap_or(name);
    let instead = match top {
        "asyncore" | "asynchat" => {
            " asyncore and asynchat were removed from Python (3.12); the chat lesson shows the \
             same line protocol with asyncio streams"
        }
        "multiprocessing" | "subprocess" => {
            " the page's Python has one thread and no processes; the blocking lesson shows \
             what run_in_executor does"
        }
        "socket" | "selectors" | "ssl" => {
            " a page cannot open sockets; use aiohttp.ClientSession for HTTP, or see the \
             server and chat lessons"
        }
        _ if name.starts_with("aiohttp.") => {
            " the playground has aiohttp's client (aiohttp.ClientSession) but not its server \
             (aiohttp.web, web.run_app): the server lesson runs an HTTP server in the page"
        }
        _ => "",
    };
    format!(
        "No module named '{name}': the playground has asyncio, aiohttp (the client), time, \
         random, threading, json, math, sys and contextlib.{instead}"
    )
}
