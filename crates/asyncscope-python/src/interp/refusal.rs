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

/// The words for a use of an API that opens servers or raw sockets (`asyncio.start_server`,
/// `loop.create_server`, `loop.sock_recv`, `web.run_app`), given as `receiver.name` (the
/// receiver empty when it is not a plain name), or `None` when `name` is not one of them.
pub(crate) fn api_refusal(dotted: &str) -> Option<String> {
    let (receiver, name) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let shown = if receiver.is_empty() {
        name.to_string()
    } else {
        dotted.to_string()
    };
    let words = match name {
        "start_server" | "start_unix_server" | "open_connection" | "open_unix_connection" => {
            format!(
                "{shown} opens a TCP connection or server, which a browser page cannot: the \
                 server lesson runs an HTTP server in the page (fetch it with \
                 aiohttp.ClientSession), and the chat lesson shows a line protocol between \
                 tasks"
            )
        }
        "create_server"
        | "create_unix_server"
        | "create_connection"
        | "create_unix_connection"
        | "create_datagram_endpoint" => format!(
            "{shown} opens sockets, which a browser page cannot: the server lesson runs an \
             HTTP server in the page, and the chat lesson shows a line protocol between tasks"
        ),
        n if n.starts_with("sock_") && !receiver.is_empty() => format!(
            "{shown} works on a raw socket, which a browser page cannot open: use \
             aiohttp.ClientSession for HTTP, or see the server and chat lessons"
        ),
        "run_app" => format!(
            "{shown} starts an aiohttp server, which the playground does not have (it has \
             aiohttp's client, aiohttp.ClientSession): the server lesson runs an HTTP server in \
             the page"
        ),
        "web" if receiver == "aiohttp" => module_refusal("aiohttp.web"),
        _ => return None,
    };
    Some(words)
}
