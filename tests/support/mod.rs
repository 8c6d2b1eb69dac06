//! What the browser tests share (tests/e2e.rs and tests/bench.rs): a static file server on
//! loopback (plain, like a static host, or with the cross-origin isolation headers, like
//! `trunk serve`), chromedriver on a free port, a headless Chromium session through it, and the
//! release build's folder.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Saves a screenshot into target/e2e/ (to look at after a run). (Used by the e2e tests, not
/// by every test crate.)
#[allow(dead_code)]
pub fn save_screenshot(name: &str, png: &[u8]) {
    let dir = Path::new(ROOT).join("target").join("e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    std::fs::write(dir.join(name), png).expect("screenshot written");
}

/// The headers that make a page cross-origin isolated: the values of Trunk.toml's `[serve]` and
/// of static/sw.js (`credentialless`, not `require-corp`: see the README).
pub const ISOLATION_HEADERS: &[(&str, &str)] = &[
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "credentialless"),
];

/// Serves `dir` on 127.0.0.1 (a free port) from a thread, for as long as the test runs, as a
/// static host that cannot set headers does (GitHub Pages): the app's service worker has to
/// isolate the page. (Used by every e2e test but e2e_subpath.rs, which serves its own paths.)
#[allow(dead_code)]
pub fn serve(dir: PathBuf) -> SocketAddr {
    serve_with(dir, &[]).0
}

/// Serves `dir` like [`serve`], with [`ISOLATION_HEADERS`] on every response, as `trunk serve`
/// does: the page is cross-origin isolated from its first load.
#[allow(dead_code)]
pub fn serve_isolated(dir: PathBuf) -> SocketAddr {
    serve_with(dir, ISOLATION_HEADERS).0
}

/// The files a server sent, in the order they were asked for: their paths in the served folder
/// (`index.html` for `/`, a folder's `index.html` for its address), without the query.
pub type Served = Arc<Mutex<Vec<String>>>;

/// [`serve`], also keeping the list of files sent: what a page really downloaded.
#[allow(dead_code)]
pub fn serve_logged(dir: PathBuf) -> (SocketAddr, Served) {
    serve_with(dir, &[])
}

/// Serves each `(prefix, dir)` of `sites` under its prefix (`/some/where/`: its index.html is at
/// `/some/where/`) on one origin, as a static host serves several projects (GitHub Pages'
/// `/asyncscope/`); any other path is a 404. Plain, like [`serve`].
#[allow(dead_code)]
pub fn serve_sites(sites: Vec<(&'static str, PathBuf)>) -> SocketAddr {
    serve_under(sites, Host::PLAIN).0
}

/// Serves `dir` under `prefix` only (a 404 outside it): [`serve_sites`] with one site.
#[allow(dead_code)]
pub fn serve_at(dir: PathBuf, prefix: &'static str) -> SocketAddr {
    serve_sites(vec![(prefix, dir)])
}

/// Serves `dir` like [`serve`], but every `.wasm` file as `kind`: a host that does not know the
/// type (`application/octet-stream`).
#[allow(dead_code)]
pub fn serve_wasm_as(dir: PathBuf, kind: &'static str) -> SocketAddr {
    let host = Host {
        wasm_type: kind,
        ..Host::PLAIN
    };
    serve_under(vec![("/", dir)], host).0
}

/// A server that can be stopped: after [`Stoppable::stop`] its port refuses every connection,
/// as a host out of reach (a reader on a train).
#[allow(dead_code)]
pub struct Stoppable {
    pub addr: SocketAddr,
    running: Arc<AtomicBool>,
}

#[allow(dead_code)]
impl Stoppable {
    /// Closes the listening socket (woken by one last connection, which it refuses to answer).
    pub fn stop(&self) {
        self.running.store(false, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(self.addr).is_ok() {
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Serves `dir` under `prefix` like [`serve_at`], until stopped.
#[allow(dead_code)]
pub fn serve_stoppable(dir: PathBuf, prefix: &'static str) -> Stoppable {
    let (addr, _, running) = serve_under_with(vec![(prefix, dir)], Host::PLAIN);
    Stoppable { addr, running }
}

/// How the test server answers beside the files themselves.
#[derive(Clone, Copy)]
struct Host {
    /// Headers added to every response.
    headers: &'static [(&'static str, &'static str)],
    /// The Content-Type of `.wasm` files.
    wasm_type: &'static str,
}

impl Host {
    /// A static host that sets no headers of its own and knows the wasm type.
    const PLAIN: Host = Host {
        headers: &[],
        wasm_type: "application/wasm",
    };
}

fn serve_with(
    dir: PathBuf,
    headers: &'static [(&'static str, &'static str)],
) -> (SocketAddr, Served) {
    let host = Host {
        headers,
        ..Host::PLAIN
    };
    serve_under(vec![("/", dir)], host)
}

fn serve_under(sites: Vec<(&'static str, PathBuf)>, host: Host) -> (SocketAddr, Served) {
    let (addr, served, _) = serve_under_with(sites, host);
    (addr, served)
}

fn serve_under_with(
    sites: Vec<(&'static str, PathBuf)>,
    host: Host,
) -> (SocketAddr, Served, Arc<AtomicBool>) {
    assert!(
        sites
            .iter()
            .all(|(prefix, _)| prefix.starts_with('/') && prefix.ends_with('/')),
        "a site's prefix starts and ends with /"
    );
    let sites = Arc::new(sites);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local addr");
    let served = Served::default();
    let log = served.clone();
    let running = Arc::new(AtomicBool::new(true));
    let on = running.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // Stopped: the listener goes with this thread, and the port refuses connections.
            if !on.load(Ordering::SeqCst) {
                break;
            }
            let sites = sites.clone();
            let log = log.clone();
            std::thread::spawn(move || respond(stream, &sites, host, &log));
        }
    });
    (addr, served, running)
}

fn respond(mut stream: TcpStream, sites: &[(&str, PathBuf)], host: Host, served: &Served) {
    let mut request_line = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers: this server answers GETs of files and nothing else.
    let mut header = String::new();
    while reader
        .read_line(&mut header)
        .map(|n| n > 2)
        .unwrap_or(false)
    {
        header.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split('?').next().unwrap_or("/");
    // The site whose prefix the path is under (the longest, for a site inside another), and the
    // path inside it; none: a 404.
    let site = sites
        .iter()
        .filter_map(|(prefix, dir)| Some((prefix.len(), dir, path.strip_prefix(prefix)?)))
        .max_by_key(|(len, ..)| *len);
    // The file the path names in that site: a folder's address (`/`, `/examples/search/`) is its
    // index.html, as a static host serves it.
    let found = site.and_then(|(_, dir, path)| {
        let path = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        if path.contains("..") {
            return None;
        }
        let file = dir.join(&path);
        let body = std::fs::read(&file).ok()?;
        Some((path, file, body))
    });
    let (status, body, kind) = match found {
        Some((path, file, body)) => {
            if let Ok(mut served) = served.lock() {
                served.push(path);
            }
            let kind = match content_type(&file) {
                "application/wasm" => host.wasm_type,
                kind => kind,
            };
            ("200 OK", body, kind)
        }
        None => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    let extra: String = host
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("webmanifest") => "application/manifest+json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// chromedriver on a free port, killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_chromedriver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver in PATH (./dev test installs it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A headless Chromium session with a fresh profile named after `profile`, with Chrome flags
/// `extra_args` added to the ones every test needs.
pub async fn browser(driver: &Driver, profile: &str, extra_args: &[&str]) -> Client {
    browser_with_prefs(driver, profile, extra_args, json!({})).await
}

/// [`browser`], with the profile's preferences `prefs` (Chromium's names, such as
/// `profile.default_content_setting_values.cookies`: 2 blocks every site's storage, service
/// workers included).
pub async fn browser_with_prefs(
    driver: &Driver,
    profile: &str,
    extra_args: &[&str],
    prefs: Value,
) -> Client {
    let profile = std::env::temp_dir().join(format!("asyncscope-{profile}-{}", std::process::id()));
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--disable-quic".to_string(),
        "--no-first-run".to_string(),
        "--window-size=1680,1050".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra_args.iter().map(|a| a.to_string()));
    let mut options = json!({ "args": args, "prefs": prefs });
    if let Ok(chrome) = std::env::var("ASYNCSCOPE_CHROME") {
        options["binary"] = Value::String(chrome);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".to_string(), options);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

/// A Chrome DevTools Protocol call through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Runs the DevTools Protocol command `cmd` with `params` in `client`'s page (through
/// chromedriver's `goog/cdp/execute`) and gives its result.
#[allow(dead_code)]
pub async fn devtools(client: &Client, cmd: &'static str, params: Value) -> Value {
    client
        .issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("chromedriver runs the DevTools command {cmd}: {e}"))
}

/// From now on, every document the browser opens in `client` records the Content-Security-Policy
/// violations it sees (`securitypolicyviolation` events, from before its first script runs) in
/// `window.__cspViolations`: read them with [`CSP_VIOLATIONS`].
#[allow(dead_code)]
pub async fn record_csp_violations(client: &Client) {
    let source = "window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
            `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`));";
    client
        .issue_cmd(Cdp {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": source }),
        })
        .await
        .expect("chromedriver runs a DevTools command");
}

/// A script for `execute`: the CSP violations the page has recorded (null where no recorder ran).
#[allow(dead_code)]
pub const CSP_VIOLATIONS: &str = "return window.__cspViolations || null;";

/// The app's release build: dist/, or `ASYNCSCOPE_DIST`: built for a relative base (`./dev
/// dist`), so that it works under any path. (e2e_subpath.rs reads the build for a sub-path.)
#[allow(dead_code)]
pub fn dist() -> PathBuf {
    let dist = std::env::var("ASYNCSCOPE_DIST")
        .map_or_else(|_| Path::new(ROOT).join("dist"), PathBuf::from);
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build it first with `trunk build --release --public-url ./` \
         (./dev test does)",
        dist.display()
    );
    dist
}

/// The text of the element `selector` matches, once one does (`secs` at most: else it fails
/// saying `what` was expected).
#[allow(dead_code)]
pub async fn text_when_shown(client: &Client, selector: &str, secs: u64, what: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(secs))
        .for_element(fantoccini::Locator::Css(selector))
        .await
        .expect(what)
        .text()
        .await
        .expect("text")
}

/// Waits (up to `secs`) until the app has started in the page, past the one reload of a first
/// visit that makes it cross-origin isolated: a wait in the driver, not a script in the page,
/// which the reload would cut short.
#[allow(dead_code)]
pub async fn app_started(client: &Client, secs: u64) {
    client
        .wait()
        .at_most(Duration::from_secs(secs))
        .for_element(fantoccini::Locator::Css("[data-scenario]"))
        .await
        .expect("the app starts");
}

/// How the page in `client` stands: `{isolated: crossOriginIsolated, navigation: "navigate" or
/// "reload" (how it was loaded), controlled: whether the service worker serves it}`.
#[allow(dead_code)]
pub async fn page_isolation(client: &Client) -> Value {
    client
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0];
             return {isolated: self.crossOriginIsolated === true,
                     navigation: nav ? nav.type : null,
                     controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller)};",
            vec![],
        )
        .await
        .expect("the page answers")
}

/// A script for `execute_async` that waits until the service worker controls the page (the app
/// registers it at start). (Used by e2e.rs and bench.rs, not by every test crate.)
#[allow(dead_code)]
pub const CONTROLLED: &str = "
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
        await new Promise(r => navigator.serviceWorker.addEventListener('controllerchange', r, {once: true}));
    }";

/// A script for `execute_async` on the app's page: one `/api/delay/500` against 100 at once,
/// best of 5 rounds each; resolves with `{rounds, one, oneMs, allMs, ok, inFlight}` or `{error}`.
#[allow(dead_code)]
pub fn fetch_concurrency_script() -> String {
    format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{
            {CONTROLLED}
            const get = async () => {{
                const r = await fetch('/api/delay/500');
                return {{status: r.status, by: r.headers.get('x-served-by'), body: await r.json()}};
            }};
            // Warm up: the first requests also wait for the worker's wasm and its JIT.
            await get();
            await Promise.all(Array.from({{length: 100}}, () => fetch('/api/delay/0').then(r => r.text())));
            // Five rounds, the best of each kind: the machine may be busy with other work.
            const rounds = [];
            let one, all;
            for (let i = 0; i < 5; i++) {{
                let t = performance.now();
                one = await get();
                const oneMs = performance.now() - t;
                t = performance.now();
                all = await Promise.all(Array.from({{length: 100}}, get));
                rounds.push({{oneMs, allMs: performance.now() - t}});
            }}
            done({{rounds, one,
                   oneMs: Math.min(...rounds.map(r => r.oneMs)),
                   allMs: Math.min(...rounds.map(r => r.allMs)),
                   ok: all.filter(r => r.status === 200 && r.body.delay_ms === 500).length,
                   inFlight: Math.max(...all.map(r => r.body.in_flight))}});
         }})().catch(e => done({{error: String(e)}}));"
    )
}

/// Copies the folder `from` (a build, say) into `to`, whole: a test that breaks a copy of the
/// site leaves the build as it was.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder created");
    for entry in std::fs::read_dir(from).expect("readable folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

/// Runs lesson `id` through `window.asyncscope.run` and gives its report, or `{error}` with the
/// rejection's words.
#[allow(dead_code)]
pub async fn run_report(client: &Client, id: &str) -> serde_json::Value {
    client
        .execute_async(
            "const [id, done] = arguments;
             window.asyncscope.run(id).then(done, e => done({error: String(e)}));",
            vec![serde_json::Value::String(id.to_string())],
        )
        .await
        .expect("script runs")
}

/// Opens `url` (a lesson's address with `run=1`) and waits until lesson `id` has run: it must end
/// done, having judged its run, with every check green (else the panic names the log).
#[allow(dead_code)]
pub async fn run_from_url(client: &Client, url: &str, id: &str) {
    use fantoccini::Locator;
    client.goto(url).await.expect("page loads");
    let root = client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(&format!(
            r#"[data-scenario="{id}"][data-run-state="done"], [data-scenario="{id}"][data-run-state="failed"]"#
        )))
        .await
        .unwrap_or_else(|e| panic!("{url}: {id} never finished: {e}"));
    let state = root.attr("data-run-state").await.expect("readable");
    let mut log = Vec::new();
    for element in client
        .find_all(Locator::Css(
            "[data-testid=run-error], [data-testid=log] li",
        ))
        .await
        .expect("the log")
    {
        log.push(element.text().await.unwrap_or_default());
    }
    assert_eq!(state.as_deref(), Some("done"), "{url}: {log:#?}");
    let checks = client
        .find_all(Locator::Css("[data-testid=checks] li"))
        .await
        .expect("checks");
    assert!(!checks.is_empty(), "{url}: the lesson judged its run");
    let mut failures = Vec::new();
    for check in client
        .find_all(Locator::Css("[data-check-ok=false]"))
        .await
        .expect("checks")
    {
        failures.push(check.text().await.unwrap_or_default());
    }
    assert!(failures.is_empty(), "{url}: {failures:#?}");
}
