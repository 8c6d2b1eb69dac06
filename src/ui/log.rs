//! The run's output (`data-testid="log"`), virtualised: however many lines a run prints (up to
//! `MAX_LINES`), the page holds only the rows on screen and a few around them, at a fixed height
//! each, in a list as tall as all of them, so every line is reached by scrolling. The lines are
//! read from the run itself ([`Printed`]), never copied into the page's state.
//!
//! While the view is at the end it follows new lines, like a terminal; scrolled up, it stays.

use web_sys::Element;
use yew::prelude::*;

use crate::lessons::Printed;
use asyncscope_viewer::rows_in_page;

/// The height of one row, in CSS pixels (set on the list: its line height).
pub const ROW_PX: f64 = 20.0;
/// Rows drawn above and below the visible ones, so that a short scroll shows no gap.
const OVERSCAN: u64 = 8;
/// Rows in view at most: the scroll box is this many rows tall.
const DEFAULT_ROWS: u64 = 24;
/// Up to this many lines every line is in the page and a long one wraps; past it the log is
/// virtualised (a row a line, scrolled sideways when long).
pub const WRAP_UNTIL: u64 = 200;

#[derive(Properties, PartialEq)]
pub struct LogProps {
    /// The run's lines (none before the first run).
    pub printed: Option<Printed>,
    /// How many of them are on show: the count at the page's last refresh.
    pub shown: u64,
}

/// Which rows are on screen: the first, and how many fit; `follow` while the view is at the end.
#[derive(Clone, Copy, PartialEq)]
struct Window {
    first: u64,
    rows: u64,
    follow: bool,
}

#[component]
pub fn Log(props: &LogProps) -> Html {
    let viewport = use_node_ref();
    let window = use_state_eq(|| Window {
        first: 0,
        rows: DEFAULT_ROWS,
        follow: true,
    });
    let (first_kept, kept) = props.printed.as_ref().map_or((0, 0), |p| {
        let first = p.first_kept().min(props.shown);
        (first, props.shown - first)
    });
    let top = if window.follow {
        kept.saturating_sub(window.rows)
    } else {
        window.first
    };
    let wrap = kept <= WRAP_UNTIL;
    let draw = if wrap {
        0..kept
    } else {
        rows_in_page(kept, top, window.rows, OVERSCAN)
    };

    let onscroll = {
        let window = window.clone();
        Callback::from(move |e: Event| {
            let el: Element = e.target_unchecked_into();
            let (top, height, full) = (
                f64::from(el.scroll_top()),
                f64::from(el.client_height()),
                f64::from(el.scroll_height()),
            );
            window.set(Window {
                first: (top / ROW_PX).floor().max(0.0) as u64,
                rows: ((height / ROW_PX).ceil() as u64).max(1),
                follow: top + height >= full - ROW_PX / 2.0,
            });
        })
    };
    // Following: keep the end in view as lines arrive (at most once per refresh).
    {
        let viewport = viewport.clone();
        let follow = window.follow;
        // The list's height is known (rows of ROW_PX): scroll to it without asking the browser
        // for the box's (reading scrollHeight here forced a layout of the page at every refresh).
        // (When lines wrap their height is not known: past the end, which the browser clamps.)
        let end = if kept <= WRAP_UNTIL {
            i32::MAX / 4
        } else {
            (kept as f64 * ROW_PX).ceil() as i32
        };
        use_effect_with((props.shown, follow), move |&(_, follow)| {
            if follow {
                if let Some(el) = viewport.cast::<Element>() {
                    el.set_scroll_top(end);
                }
            }
        });
    }

    let mut rows = Vec::with_capacity((draw.end - draw.start) as usize);
    if let Some(printed) = &props.printed {
        printed.visit(first_kept + draw.start..first_kept + draw.end, |i, line| {
            rows.push(html! {
                <li data-t-ms={format!("{:.3}", line.t_ms)} data-line={i.to_string()}
                    aria-posinset={(i + 1).to_string()} aria-setsize={props.shown.to_string()}>
                    <span class="t">{ format!("{:>8.1} ms", line.t_ms) }</span>
                    <span class="text">{ &line.text }</span>
                </li>
            });
        });
    }
    // What the arithmetic above relies on is set here, not left to the stylesheet: rows of
    // ROW_PX (one line each, never wrapped), a list as tall as all of them, a box that scrolls.
    let style = if wrap {
        format!("min-height: {ROW_PX}px; line-height: {ROW_PX}px; white-space: pre-wrap; overflow-wrap: anywhere")
    } else {
        format!(
            "height: {}px; padding-top: {}px; line-height: {ROW_PX}px; white-space: pre",
            kept as f64 * ROW_PX,
            draw.start as f64 * ROW_PX
        )
    };
    let scroll_style = format!(
        "max-height: {}px; overflow: auto",
        DEFAULT_ROWS as f64 * ROW_PX
    );
    html! {
        <section class="log-panel" aria-label="Output">
            <h3>
                { "Output" }
                if props.shown > DEFAULT_ROWS {
                    <span class="muted count">{ format!(" ({} lines: scroll for the rest)", props.shown) }</span>
                }
            </h3>
            <div class="log-scroll" ref={viewport} {onscroll} style={scroll_style} tabindex="0"
                 role="region" aria-label="What the program printed">
                <ol class="log" data-testid="log" data-lines={props.shown.to_string()} {style}>
                    { for rows }
                </ol>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_visible_rows_and_a_few_around_are_drawn() {
        assert_eq!(rows_in_page(5_000, 0, 24, OVERSCAN), 0..32);
        assert_eq!(rows_in_page(5_000, 2_500, 24, OVERSCAN), 2_492..2_532);
        // At the end, the last rows, however far the scroll position says.
        assert_eq!(rows_in_page(5_000, 9_999, 24, OVERSCAN), 4_968..5_000);
        assert_eq!(rows_in_page(10, 0, 24, OVERSCAN), 0..10);
        assert_eq!(rows_in_page(0, 3, 24, OVERSCAN), 0..0);
    }
}
