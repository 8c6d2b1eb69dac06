//! The app's entry point: mount the yew app on the page.

fn main() {
    asyncscope::ui::start();
}
