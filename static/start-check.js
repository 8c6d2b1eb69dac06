// Says in the page why the app cannot start, where the reason shows before any Rust runs: the
// "Loading the WebAssembly app…" line would otherwise stay for ever. A plain script, outside
// the module it watches: it names a script of the app that could not load, or the error that
// stopped the start (the glue or the wasm missing on the host, a wasm the browser refused), as
// long as the app has not started. (Opened from a file, nothing of the build loads, this script
// included: its URLs are root-absolute. Issue 17's relative base is what lets a page say so.)
(() => {
  "use strict";

  let started = false;
  addEventListener("TrunkApplicationStarted", () => {
    started = true;
  });

  // Replaces the loading line (#loading, which the app removes when it starts) with `why` and
  // `fix`, as an alert.
  const say = (why, fix) => {
    const show = () => {
      const box = document.getElementById("loading");
      if (started || !box) return;
      box.setAttribute("role", "alert");
      box.dataset.startError = "";
      const title = document.createElement("strong");
      title.textContent = "asyncscope could not start";
      const reason = document.createElement("span");
      reason.textContent = why;
      const remedy = document.createElement("span");
      remedy.textContent = fix;
      box.replaceChildren(title, reason, remedy);
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", show, { once: true });
    } else {
      show();
    }
  };

  const whole =
    "Check that the whole build (dist/) was copied to the host and that it serves .wasm files " +
    "(as application/wasm), then reload.";
  addEventListener(
    "error",
    (event) => {
      const el = event.target;
      if (el instanceof HTMLScriptElement && el.src) {
        // A script of the app that failed to load (its error event does not bubble: caught on
        // its way down).
        say(`Its script ${new URL(el.src).pathname} could not be loaded.`, whole);
      } else if (event instanceof ErrorEvent && !started) {
        // boot.js stopped: the glue or the wasm missing (404), or a wasm the browser refused.
        say(`Its start failed: ${event.message}`, whole);
      }
    },
    true,
  );
  addEventListener("unhandledrejection", (event) => {
    if (started) return;
    const reason = event.reason instanceof Error ? event.reason.message : String(event.reason);
    say(`Its start failed: ${reason}`, whole);
  });
})();
