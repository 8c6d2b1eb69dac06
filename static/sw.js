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
const ready = wasm_bindgen({ module_or_path: `./server_bg.wasm?v=${VERSION}` });

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
// A page loaded with Shift+Reload is not controlled even though this worker is active: it asks.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // Only this origin's /api/: everything else (the app's files, other sites) goes to the network.
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/api/')) return;
  event.respondWith(
    ready
      .then(() => wasm_bindgen.handle(event.request, event.clientId))
      .catch((e) => new Response(JSON.stringify({ error: `the server failed: ${e}` }), {
        status: 500,
        headers: { 'content-type': 'application/json' },
      })),
  );
});
