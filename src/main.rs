//! The app's entry point: mount the yew app on the page.

fn main() {
    // The in-browser server (a service worker) installs while the app starts; the lessons that
    // fetch wait for it themselves and say why if it cannot run here.
    let _ = asyncscope::scenarios::service_worker::register();
    asyncscope::ui::start();
}
