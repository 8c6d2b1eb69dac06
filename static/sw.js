// asyncscope's service worker: the in-browser HTTP server under api/ of its scope (the site's
// folder: `/`, or `/asyncscope/` on a project's GitHub Pages), the headers that make the page
// cross-origin isolated where the host cannot send them, and the offline copy of the site.
//
// The server is Rust (src/server/, built by trunk from src/bin/server.rs into a no-modules
// bundle). These few lines exist because the service worker spec wants the listeners registered
// synchronously while the script first runs, before any wasm can have loaded.
//
// VERSION (a checksum of every file of the build) and SHELL (those files, relative to this
// script) are written in at build time by ./offline-shell, which trunk runs after each build
// (Trunk.toml). A new build changes this file's bytes, so the browser installs the new worker
// (skipWaiting and clients.claim put it in charge at once); the server bundle's URLs carry the
// version, so no HTTP cache can hand the new worker an old bundle.
const VERSION = '__ASYNCSCOPE_VERSION__';
const SHELL = [];

// Cross-origin isolation: performance.now() to 5 µs instead of 100 µs. `trunk serve` sends these
// headers itself (Trunk.toml); a static host such as GitHub Pages cannot, so this worker adds them
// to the pages it serves and to the Web Workers' scripts (Chromium refuses a dedicated worker
// without COEP to a page that has it). The same values as Trunk.toml: see the README.
//
// With them, the Content-Security-Policy (the same as index.html's meta tag and Trunk.toml's: a
// test holds the three equal), which as a header also covers the Web Worker's script.
const PAGE_HEADERS = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Embedder-Policy', 'credentialless'],
  ['Content-Security-Policy', "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; style-src-attr 'unsafe-inline'; connect-src 'self' http://localhost:* http://127.0.0.1:* https://example.com https://www.example.com https://jsonplaceholder.typicode.com https://httpbin.org https://www.invalidurl.invalid; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"],
];

importScripts(`./server.js?v=${VERSION}`);

// The site's folder, where the page registered this worker: its server answers `${SCOPE}api/...`
// (the Rust strips the scope the same way before routing), and SHELL's files are under it.
const SCOPE = self.registration.scope;

// The offline copy: every file of the build (SHELL), in a cache named after this folder and
// VERSION, filled with addAll, which stores all of them or none. Served cache first: a reader on
// a train opens the page at once, with no network timeout to wait through, and a page and its
// wasm and JS always come from one build, never half from each of two. A new build is still
// picked up online: the browser checks sw.js for changes at every visit, the new worker caches
// the new build whole before it takes over (install), then deletes the older copies (activate).
// A build without ./offline-shell's list (a development build, whose every rebuild must show at
// once; the wasm tests' pages) has no copy: the network serves it.
const CACHES = `asyncscope ${SCOPE} `;
const CACHE = `${CACHES}${VERSION}`;
const SHELL_FILES = new Set(SHELL);
const OFFLINE = SHELL.length > 0;

// Fills the offline copy once (this worker's run), unless an earlier run did; a failure (the
// network gone, a file missing on the host) is tried again by the next page loaded.
let shell = null;
const cacheShell = () =>
  (shell ??= caches
    .open(CACHE)
    .then(async (cache) => {
      if (await cache.match(SCOPE)) return;
      // no-cache: each file revalidated with the host, so that the HTTP cache cannot slip in the
      // previous build's copy of a file whose name has no hash (server_bg.wasm, the texts).
      const files = SHELL.map((file) => new Request(new URL(file, SCOPE), { cache: 'no-cache' }));
      await cache.addAll(files);
    })
    .catch((e) => {
      shell = null;
      throw e;
    }));

// A first visit's copy waits this long after the worker took charge: it downloads the whole
// build again (1.5 MB, the server's and the Web Worker's wasm and every lesson's texts among it),
// which must compete neither with the page's own start nor with its first lessons' timings, nor
// count in what `./dev bench` measures of a first visit (`bundle`). The page asks for it after as
// long (`offline`, from browser::service_worker); a page loaded after it makes it too.
const FIRST_COPY_AFTER_MS = 30000;
// Before this time page loads do not make the copy: set when this worker activates without one
// (the site's first worker). A worker started again later (0) makes it at the next page load.
let firstCopyAt = 0;

// Makes the copy, unless the first visit has not settled yet, while `event` (a page loading)
// keeps this worker alive (a worker with no event to serve is stopped within seconds). Never a timer held by an
// event: a new build's worker waits until the events of the one in charge are over.
const keepCaching = (event) => {
  if (!OFFLINE || Date.now() < firstCopyAt) return;
  event.waitUntil(
    cacheShell().catch((e) => console.warn(`asyncscope: the offline copy is not complete: ${e}`)),
  );
};

// The key of `request` in the offline copy, or null: the page for any address of the site's
// folder (`./`, `./index.html`, with any query: `?scenario=…`), or a file of the build.
const shellKey = (request) => {
  if (!OFFLINE || request.method !== 'GET') return null;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  const file = url.href.slice(SCOPE.length);
  if (request.mode === 'navigate') return file === '' || file === 'index.html' ? SCOPE : null;
  return SHELL_FILES.has(file) ? url.href : null;
};

// `request` from the offline copy, or from the network when the copy has no such file.
const fromShell = (request) => {
  const key = shellKey(request);
  const hit = key ? caches.match(key, { cacheName: CACHE }).catch(() => undefined) : Promise.resolve();
  return hit.then((response) => response || fetch(request));
};

// The server's wasm loads on first use (a request to api/, or a lesson saying it will make
// some), not when the worker starts: from the offline copy when there is one, else from the
// network. A load that failed is tried again by the next use.
const serverWasm = () =>
  caches
    .match(new URL('server_bg.wasm', SCOPE).href, { cacheName: CACHE })
    .catch(() => undefined)
    .then((response) => response || fetch(`./server_bg.wasm?v=${VERSION}`));
let ready = null;
const server = () =>
  (ready ??= wasm_bindgen({ module_or_path: serverWasm() }).catch((e) => {
    ready = null;
    throw e;
  }));

self.addEventListener('install', (event) => {
  self.skipWaiting();
  // A new build over an older one: copied whole before it takes over, so that the next page
  // comes from it entirely. A copy that fails (a file missing on the host) does not hold the new
  // build back: it is served from the network, as without a copy, until one is complete. A first
  // visit does not wait for it: its page starts once this worker controls it (keepCaching).
  if (OFFLINE && self.registration.active) {
    event.waitUntil(
      cacheShell().catch((e) => console.warn(`asyncscope: the offline copy is not complete: ${e}`)),
    );
  }
});
self.addEventListener('activate', (event) => {
  // The older builds' copies of this folder go; another copy of the site on this origin has
  // another folder in its caches' names and keeps them.
  const older = caches
    .keys()
    .then((names) =>
      Promise.all(names.filter((n) => n.startsWith(CACHES) && n !== CACHE).map((n) => caches.delete(n))),
    );
  event.waitUntil(Promise.all([self.clients.claim(), older]));
  // The site's first worker: its copy comes later (keepCaching), with the pages it serves.
  if (OFFLINE && !shell) firstCopyAt = Date.now() + FIRST_COPY_AFTER_MS;
});
// A page loaded with Shift+Reload is not controlled even though this worker is active: it asks.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
  // A lesson about to fetch: load the server now, and answer on the port sent when it is ready
  // ('loaded' when this message loaded it, 'ready' when it was there) or why not.
  if (event.data === 'start-server' && event.ports[0]) {
    const [port, fresh] = [event.ports[0], ready === null];
    const answer = (text) => port.postMessage(text);
    event.waitUntil(server().then(() => answer(fresh ? 'loaded' : 'ready'), (e) => answer(`${e}`)));
  }
  // Whether the site works offline here: completes the copy now (the first visit's wait
  // skipped), then answers on the port sent, if any, 'cached', or why not.
  if (event.data === 'offline') {
    const answer = (text) => event.ports[0]?.postMessage(text);
    event.waitUntil(
      OFFLINE
        ? cacheShell().then(() => answer('cached'), (e) => answer(`${e}`))
        : Promise.resolve(answer('this build has no offline copy (no ./offline-shell list)')),
    );
  }
});

// `response` with the isolation headers. A response that cannot be rebuilt (an opaque redirect or
// an error: status 0) is passed on as it is.
const isolated = (response) => {
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of PAGE_HEADERS) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
};

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Other sites, and other folders of this one (another copy of the site, with its own worker),
  // go to the network untouched.
  if (!request.url.startsWith(SCOPE)) return;
  if (request.url.slice(SCOPE.length).startsWith('api/')) {
    event.respondWith(
      server()
        .then(() => wasm_bindgen.handle(request, event.clientId))
        .catch((e) => new Response(JSON.stringify({ error: `the server failed: ${e}` }), {
          status: 500,
          headers: { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' },
        })),
    );
  } else if (request.mode === 'navigate' || request.destination === 'worker') {
    // A page loading: also the moment to complete the offline copy.
    if (request.mode === 'navigate') keepCaching(event);
    event.respondWith(fromShell(request).then(isolated));
  } else if (shellKey(request)) {
    event.respondWith(fromShell(request));
  }
  // Anything else (the example app's files, the host's other pages) goes to the network as usual.
});
