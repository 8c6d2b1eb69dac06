//! Virtualised lists (the output, the task table): which rows to put in the page.

use std::ops::Range;

/// The rows to put in the page out of `total` when the first in view is `first` and `visible`
/// fit: those and `overscan` on each side, so that a short scroll shows no gap. Scrolled past
/// the end (the list shrank), the last rows.
pub fn rows_in_page(total: u64, first: u64, visible: u64, overscan: u64) -> Range<u64> {
    let first = first.min(total.saturating_sub(visible));
    let start = first.saturating_sub(overscan);
    let end = (first + visible + overscan).min(total);
    start..end
}
