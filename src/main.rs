//! The app's entry point: mount the yew app on the page, once the page is cross-origin isolated
//! where the service worker can make it so (see `ui::isolation`).

fn main() {
    // The in-browser server (a service worker) installs while the app starts; the lessons that
    // fetch wait for it themselves and say why if it cannot run here. On a static host it also
    // makes the page cross-origin isolated (a 5 µs clock): a first visit reloads once it controls.
    let _ = asyncscope::browser::service_worker::register();
    asyncscope::ui::isolation::start_isolated(asyncscope::ui::start);
}
