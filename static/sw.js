// asyncscope's service worker: the in-browser HTTP server under api/ of its scope (the site's
// folder: `/`, or `/asyncscope/` on a project's GitHub Pages), and the headers that make the page
// cross-origin isolated where the host cannot send them.
//
// The server is Rust (src/server/, built by trunk from src/bin/server.rs into a no-modules
// bundle). These few lines exist because the service worker spec wants the listeners registered
// synchronously while the script first runs, before any wasm can have loaded.
//
// VERSION is a checksum of the server bundle (server.js + server_bg.wasm), written in at build time
// by the post_build hook in Trunk.toml. A new build changes this file's bytes, so the browser
// installs the new worker (skipWaiting and clients.claim put it in charge at once), and the
// bundle's URLs change with it, so no cache can hand the new worker an old bundle.
const VERSION = '__ASYNCSCOPE_SERVER_VERSION__';

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
// The server's wasm loads on first use (a request to api/, or a lesson saying it will make
// some), not when the worker installs: a first visit that opens no fetch lesson never downloads
// it. A load that failed is tried again by the next use.
let ready = null;
const server = () =>
  (ready ??= wasm_bindgen({ module_or_path: `./server_bg.wasm?v=${VERSION}` }).catch((e) => {
    ready = null;
    throw e;
  }));

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
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

// The site's folder, where the page registered this worker: its server answers `${SCOPE}api/...`
// (the Rust strips the scope the same way before routing).
const SCOPE = self.registration.scope;

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
    event.respondWith(fetch(request).then(isolated));
  }
  // Everything else (the app's wasm, JS, CSS) goes to the network as usual.
});
