//! The viewer of an [`asyncscope_trace`] recording: [`TracePanel`], a yew component that draws
//! the timeline (a lane per task, what each waited for, the event loop's turns), then tabs for
//! the tasks (a virtualised table with each task's detail), the warnings, the resources and the
//! event loop; a scrubber that replays a finished run event by event; and export (Chrome's Trace
//! Event Format for Perfetto, a link to copy). It reads the recording only through the tracer's
//! public API ([`asyncscope_trace::with_recorder`], [`asyncscope_trace::subscribe`],
//! [`asyncscope_trace::Recorder::as_of`]), into a snapshot that its views render from (none of
//! them reads the recorder while rendering); it takes one at most once per animation frame, and
//! during a run on a clock of its own ([`Ticker`]) that steps aside for the program's timers.
//!
//! In a yew app, put `<TracePanel />` where it belongs (with the stylesheet `viewer.css`). In any
//! other page, [`mount_overlay`] adds a corner button and a drawer (Alt+Shift+S) that holds it, in
//! a shadow root of its own.
//!
//! ```no_run
//! // Any page: a corner button and Alt+Shift+S open the panel in a drawer.
//! let overlay = asyncscope_viewer::mount_overlay()?;
//! // ...and, if the page wants it gone:
//! overlay.unmount();
//! # Ok::<(), String>(())
//! ```
//!
//! ```no_run
//! use asyncscope_viewer::TracePanel;
//! use yew::prelude::*;
//!
//! #[component]
//! fn Trace() -> Html {
//!     // `running` while the program runs: the panel follows it live; after, it replays.
//!     html! { <TracePanel generation={0} running={true} name="my-app" permalink="" /> }
//! }
//! ```

#![warn(missing_docs)]

mod export;
mod loop_lanes;
mod names;
mod overlay;
mod panel;
mod resources;
mod rows;
mod snapshot;
mod task_table;
mod ticker;
/// The timeline's model, layout and drawing: public for the benchmark's `timeline_frame_ms`
/// (which times them on a recording of its own), not part of the viewer's API.
#[doc(hidden)]
pub mod timeline;

pub use export::{copy, download_trace};
pub use overlay::{mount_overlay, Overlay, OVERLAY_ATTR};
pub use panel::{TracePanel, TracePanelProps};
pub use rows::rows_in_page;
pub use ticker::Ticker;

/// How often live views refresh during a run: 4 times a second. Measured in `./dev bench`'s
/// `observer_cost`: at this rate the page's work is a few ms a second.
pub const LIVE_REFRESH_MS: u32 = 250;
