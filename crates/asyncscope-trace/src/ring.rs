//! A bounded buffer that keeps the newest items and counts what it dropped, so the tracer's
//! memory never grows with run time however long a page runs.

use std::collections::VecDeque;

/// The newest items pushed, up to a cap, and a count of those pushed out.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    cap: usize,
    dropped: u64,
}

impl<T> Ring<T> {
    /// A ring that holds at most `cap` items (at least one).
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Ring {
            // Grow on demand: a page that records little should not pay for the cap up front.
            items: VecDeque::new(),
            cap,
            dropped: 0,
        }
    }

    /// Appends `item`, dropping the oldest one when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.cap {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(item);
    }

    /// Items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No item is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items held at most.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How many items were pushed out to keep within the cap since the last [`Ring::clear`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    /// The items at positions `range` (0 is the oldest kept), with their positions.
    ///
    /// # Panics
    /// If `range` reaches past [`Ring::len`]: callers clamp it first.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (usize, &T)> {
        let start = range.start;
        self.items
            .range(range)
            .enumerate()
            .map(move |(i, item)| (start + i, item))
    }

    /// Empties it and sets its [`Ring::dropped`] count back to 0.
    pub fn clear(&mut self) {
        self.items.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_items_and_counts_the_dropped() {
        let mut ring = Ring::new(3);
        for i in 0..5 {
            ring.push(i);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.dropped(), 2);
    }

    #[test]
    fn never_holds_more_than_its_cap() {
        let mut ring = Ring::new(100);
        for i in 0..10_000 {
            ring.push(i);
            assert!(ring.len() <= 100);
        }
        assert_eq!(ring.dropped(), 9_900);
    }

    #[test]
    fn clear_resets_the_dropped_count() {
        let mut ring = Ring::new(1);
        ring.push(1);
        ring.push(2);
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(ring.dropped(), 0);
    }

    #[test]
    fn a_zero_cap_still_keeps_the_last_item() {
        let mut ring = Ring::new(0);
        ring.push('a');
        ring.push('b');
        assert_eq!(ring.iter().copied().collect::<String>(), "b");
    }
}
