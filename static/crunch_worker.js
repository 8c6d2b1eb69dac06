// Starts the app's Web Worker, the Rust in src/bin/worker.rs: trunk builds it as a no-modules
// bundle (worker.js, which defines wasm_bindgen, and worker_bg.wasm) beside index.html. The Rust
// posts {type: 'ready'} once it runs; if its wasm cannot start, say so in the protocol's words
// (src/worker/protocol.rs: an Answer, a plain object), so that the page shows why instead of
// waiting.
importScripts('./worker.js');
wasm_bindgen('./worker_bg.wasm').catch((error) => {
  self.postMessage({ type: 'failed', error: `its wasm did not start: ${error}` });
});
