// Says in the page why the app cannot start, where the reason shows before any Rust runs: the
// "Loading the WebAssembly app…" line would otherwise stay for ever. A plain script, outside
// the module it watches: it names a script of the app that could not load, or the error that
// stopped the start (the glue or the wasm missing on the host, a wasm the browser refused), as
// long as the app has not started; and a page opened from a file, where nothing of the app can
// run. (index.html loads it without trunk's integrity attribute: a file:// page refuses any
// script that carries one, and this one must run there to say so.) A host that serves .wasm with
// another type than application/wasm does not stop the app (wasm-bindgen's loader, and the
// lessons chunk's, compile the wasm once downloaded whole): a note at the foot of the page says
// so, and what fixes it (`asyncscope-wasm-type`, sent by boot.js).
(() => {
  "use strict";

  let started = false;
  addEventListener("TrunkApplicationStarted", () => {
    started = true;
  });

  // Once true, the message shown is the cause: what fails after it follows from it.
  let decided = false;

  // Replaces the loading line (#loading, which the app removes when it starts) with `why` and
  // `fix`, as an alert; `cause`: later failures are its consequences, not to be named instead.
  const say = (why, fix, cause = false) => {
    if (decided) return;
    decided = cause;
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

  // Opened from a file (a double click on dist/index.html): browsers load no module script (the
  // app's loader) and start no service worker from file://.
  if (location.protocol === "file:") {
    say(
      "It was opened as a file (file://), and browsers run neither its module scripts nor its " +
        "service worker from files.",
      "Open it through a web server: ./dev serve, or copy dist/ to any static host (see the " +
        'README, "Publish"); for a quick look, python3 -m http.server in dist/ and open ' +
        "http://localhost:8000/.",
      true,
    );
  }

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
  // The app started from a wasm served with another type: a note, not an alert (the page works).
  addEventListener("asyncscope-wasm-type", (event) => {
    const type = event.detail && event.detail.type ? event.detail.type : "no type";
    const note = document.createElement("p");
    note.setAttribute("role", "status");
    note.dataset.testid = "host-note";
    note.style.cssText =
      "position:fixed;left:0;right:0;bottom:0;margin:0;padding:0.5rem 1rem;z-index:1000;" +
      "display:flex;gap:1rem;align-items:center;background:var(--panel);color:var(--ink);" +
      "border-top:3px solid var(--warn);";
    const text = document.createElement("span");
    text.textContent =
      `This host sends the app's WebAssembly as ${type}, not application/wasm: the page works, ` +
      "but starts slower (the browser compiles it only once downloaded whole). Whoever runs the " +
      'host can set that type for .wasm files (see the README, "Publish").';
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", () => note.remove());
    note.append(text, close);
    document.body.append(note);
  });
  addEventListener("unhandledrejection", (event) => {
    if (started) return;
    const reason = event.reason instanceof Error ? event.reason.message : String(event.reason);
    say(`Its start failed: ${reason}`, whole);
  });
})();
