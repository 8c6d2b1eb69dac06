// Starts the app. trunk's own loader is an inline <script type="module">, which the page's
// Content-Security-Policy forbids (script-src 'self', no 'unsafe-inline'): Trunk.toml's
// pattern_script puts this file in its place, with the bundle's hashed names in data attributes.
// It does what trunk's loader does: import the wasm-bindgen glue, instantiate the wasm (allowed
// by 'wasm-unsafe-eval'), and tell the page.
const script = document.querySelector('script[data-asyncscope-js]');
const { default: init } = await import(script.dataset.asyncscopeJs);
const wasm = await init({ module_or_path: script.dataset.asyncscopeWasm });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
