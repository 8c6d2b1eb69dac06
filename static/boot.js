// Starts the app. trunk's own loader is an inline <script type="module">, which the page's
// Content-Security-Policy forbids (script-src 'self', no 'unsafe-inline'): Trunk.toml's
// pattern_script puts this file in its place, with the bundle's hashed names in data attributes.
// It does what trunk's loader does: import the wasm-bindgen glue, instantiate the wasm (allowed
// by 'wasm-unsafe-eval'), and tell the page.
//
// The wasm is fetched here, not by the glue, to read its Content-Type: a host that sends it with
// another type than application/wasm makes the glue compile it only once downloaded whole (a
// slower start, and a console warning); `asyncscope-wasm-type` lets start-check.js say so in the
// page, with the fix.
const script = document.querySelector('script[data-asyncscope-js]');
const { default: init } = await import(script.dataset.asyncscopeJs);
const response = fetch(script.dataset.asyncscopeWasm);
const wasm = await init({ module_or_path: response });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
const type = (await response).headers.get('Content-Type');
if ((type ?? '').split(';')[0].trim().toLowerCase() !== 'application/wasm') {
  dispatchEvent(new CustomEvent('asyncscope-wasm-type', { detail: { type } }));
}
