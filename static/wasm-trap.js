// Shows a banner when the app's WebAssembly module stops, with a Reload button, and a Download
// trace button: the tracer's panic hook (crates/asyncscope-trace/src/panic.rs) records the panic as the failure of
// the task that panicked and exports the whole recording into `asyncscopeTrapTrace` before the
// module traps, so the moment that mattered can still be read in Perfetto.
//
// A Rust panic in WebAssembly is not an exception the app can catch: the module traps (a
// WebAssembly.RuntimeError, "unreachable"), the error escapes to the page, and from then on no
// Rust runs: the lesson, the trace, the buttons and window.asyncscope stop answering. Only a
// fresh module brings the app back, that is a reload. This plain script lives outside the
// module, so it still works once the module has stopped. (The errors lesson's `panic=on`
// demonstrates it.)
//
// The browser would still call into the stopped module (timers, frames, clicks) and a second
// trap would follow, so the page is made inert behind the banner: the tracer stops waking and
// polling tasks (trace::stopped_by_panic), this script marks everything but the banner `inert`
// (no clicks, no focus) and greys it, and `window.asyncscope` answers without the module: run()
// rejects with the reason, trace() gives the recording kept at the panic. `asyncscopeTraps`
// counts the traps seen (one, unless something still reached the module).
(() => {
  "use strict";

  const isTrap = (error) =>
    typeof WebAssembly !== "undefined" && error instanceof WebAssembly.RuntimeError;

  // The same page without `run=1`: reloading must not start again the run that stopped it.
  const reload = () => {
    const url = new URL(window.location.href);
    url.searchParams.delete("run");
    if (url.href === window.location.href) {
      window.location.reload();
    } else {
      window.location.replace(url.href);
    }
  };

  const STOPPED = "the WebAssembly module stopped (a Rust panic): reload the page";

  // Everything but the banner: no clicks, no keyboard focus, greyed.
  const freeze = (banner) => {
    for (const el of document.body.children) {
      if (el !== banner && el.tagName !== "SCRIPT") {
        el.inert = true;
        el.setAttribute("aria-hidden", "true");
        el.style.opacity = "0.5";
        el.style.filter = "grayscale(0.6)";
      }
    }
    document.body.dataset.wasmStopped = "true";
  };

  // window.asyncscope without the module: what can still be answered is, the rest says why not.
  const stubApi = () => {
    const refuse = () => {
      throw new Error(STOPPED);
    };
    window.asyncscope = {
      stopped: true,
      lessons: refuse,
      scenarios: refuse,
      tasks: refuse,
      warnings: refuse,
      run: () => Promise.reject(new Error(STOPPED)),
      trace: () => {
        const kept = window.asyncscopeTrapTrace;
        return typeof kept === "string" && kept.length > 0 ? JSON.parse(kept) : null;
      },
    };
  };

  const show = (error) => {
    window.asyncscopeTraps = (window.asyncscopeTraps || 0) + 1;
    if (document.getElementById("wasm-stopped") || !document.body) {
      return;
    }
    const banner = document.createElement("div");
    banner.id = "wasm-stopped";
    banner.setAttribute("role", "alert");
    banner.dataset.testid = "wasm-stopped";
    banner.style.cssText =
      "position:fixed;inset:0 0 auto 0;z-index:2147483647;display:flex;gap:1em;" +
      "align-items:center;justify-content:center;flex-wrap:wrap;padding:0.75em 1em;" +
      "background:#a4001d;color:#fff;font:600 1rem/1.4 system-ui,sans-serif;" +
      "box-shadow:0 2px 8px rgba(0,0,0,0.4)";
    const text = document.createElement("span");
    text.textContent = "the WebAssembly module stopped: reload the page";
    const why = document.createElement("small");
    why.style.fontWeight = "400";
    why.textContent = `(${error.message || "a trap"}: a Rust panic stops the whole module)`;
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.testid = "reload";
    button.textContent = "Reload";
    button.style.cssText = "font:inherit;padding:0.25em 1em;cursor:pointer";
    button.addEventListener("click", reload);
    banner.append(text, why, button);
    const trace = window.asyncscopeTrapTrace;
    if (typeof trace === "string" && trace.length > 0) {
      const download = document.createElement("button");
      download.type = "button";
      download.dataset.testid = "trap-download-trace";
      download.textContent = "Download trace";
      download.style.cssText = button.style.cssText;
      download.addEventListener("click", () => {
        const url = URL.createObjectURL(new Blob([trace], { type: "application/json" }));
        const a = document.createElement("a");
        a.href = url;
        a.download = "asyncscope-panic.trace.json";
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      });
      banner.append(download);
    }
    if (typeof window.asyncscopeTrapMessage === "string") {
      why.textContent = `(${window.asyncscopeTrapMessage})`;
    }
    const works = document.createElement("small");
    works.dataset.testid = "wasm-stopped-works";
    works.style.cssText = "flex-basis:100%;text-align:center;font-weight:400";
    works.textContent =
      "The page below is frozen as the panic left it: nothing in it responds. What still works: " +
      "Reload" +
      (typeof trace === "string" && trace.length > 0
        ? ", Download trace (the recording up to the panic) and window.asyncscope.trace()."
        : ".");
    banner.append(works);
    document.body.prepend(banner);
    freeze(banner);
    stubApi();
    button.focus();
  };

  // A trap in a task (run from a microtask) reaches `error`; one in a promise callback reaches
  // `unhandledrejection`.
  window.addEventListener("error", (event) => {
    if (isTrap(event.error)) {
      show(event.error);
    }
  });
  window.addEventListener("unhandledrejection", (event) => {
    if (isTrap(event.reason)) {
      show(event.reason);
    }
  });
})();
