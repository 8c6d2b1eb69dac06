// Starts the example. trunk's own loader is an inline <script type="module">, which the page's
// Content-Security-Policy forbids (script-src 'self'): Trunk.toml's pattern_script puts this file
// in its place, with the bundle's hashed names in data attributes.
const script = document.querySelector('script[data-example-js]');
const { default: init } = await import(script.dataset.exampleJs);
await init({ module_or_path: script.dataset.exampleWasm });
