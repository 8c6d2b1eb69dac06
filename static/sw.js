// asyncscope's service worker: the in-browser HTTP server under /api/.
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

importScripts(`./server.js?v=${VERSION}`);
// The server's wasm loads on first use (a request to /api/, or a lesson saying it will make
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

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // Only this origin's /api/: everything else (the app's files, other sites) goes to the network.
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/api/')) return;
  event.respondWith(
    server()
      .then(() => wasm_bindgen.handle(event.request, event.clientId))
      .catch((e) => new Response(JSON.stringify({ error: `the server failed: ${e}` }), {
        status: 500,
        headers: { 'content-type': 'application/json' },
      })),
  );
});
