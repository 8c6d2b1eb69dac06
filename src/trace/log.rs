//! The event log: a ring that keeps the newest events, numbers every event ever recorded
//! (`seq`), and hands back the event it pushes out so that the recorder can fold it into its
//! snapshot of the oldest kept moment.

use std::ops::Deref;

use super::event::Event;

#[derive(Debug, Clone)]
pub struct EventLog {
    /// Oldest first from `head` (once full), in one allocation of exactly `cap` events.
    buf: Vec<Event>,
    head: usize,
    cap: usize,
    /// Events pushed out so far: the `seq` of the oldest kept.
    dropped: u64,
}

/// An event and its number in the whole recording.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    pub seq: u64,
    pub event: &'a Event,
}

impl Deref for EventRef<'_> {
    type Target = Event;

    fn deref(&self) -> &Event {
        self.event
    }
}

impl EventLog {
    /// A log that keeps at most `cap` events (at least one).
    pub fn new(cap: usize) -> Self {
        EventLog {
            // Grown on demand: a page that records little should not pay for the cap up front.
            buf: Vec::new(),
            head: 0,
            cap: cap.max(1),
            dropped: 0,
        }
    }

    /// The `seq` the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.dropped + self.buf.len() as u64
    }

    /// The `seq` of the oldest event kept.
    pub fn first_seq(&self) -> u64 {
        self.dropped
    }

    /// Appends `event`; when full, the oldest is pushed out and returned with its `seq`.
    pub fn push(&mut self, event: Event) -> Option<(u64, Event)> {
        if self.buf.len() < self.cap {
            if self.buf.len() == self.buf.capacity() {
                // Doubling, but never past the cap: a full log holds exactly `cap` events
                // rather than the next power of two (31% more at 100,000).
                let want = (self.buf.len() * 2).max(256).min(self.cap);
                self.buf.reserve_exact(want - self.buf.len());
            }
            self.buf.push(event);
            return None;
        }
        let old = std::mem::replace(&mut self.buf[self.head], event);
        let seq = self.dropped;
        self.head = (self.head + 1) % self.cap;
        self.dropped += 1;
        Some((seq, old))
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How many events were pushed out to keep within the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Oldest first, each with its `seq`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = EventRef<'_>> + ExactSizeIterator {
        let (len, head, first) = (self.buf.len(), self.head, self.dropped);
        (0..len).map(move |i| {
            let at = if head + i < len {
                head + i
            } else {
                head + i - len
            };
            EventRef {
                seq: first + i as u64,
                event: &self.buf[at],
            }
        })
    }

    /// The event numbered `seq`, if it is still kept.
    pub fn get(&self, seq: u64) -> Option<EventRef<'_>> {
        let i = usize::try_from(seq.checked_sub(self.dropped)?).ok()?;
        if i >= self.buf.len() {
            return None;
        }
        let event = &self.buf[(self.head + i) % self.buf.len().max(1)];
        Some(EventRef { seq, event })
    }

    /// The newest event.
    pub fn last(&self) -> Option<EventRef<'_>> {
        self.next_seq().checked_sub(1).and_then(|s| self.get(s))
    }

    /// The events up to `seq`, numbered as here (for a replayed moment).
    pub fn until(&self, seq: u64) -> EventLog {
        let mut out = EventLog::new(self.cap);
        out.dropped = self.dropped;
        let kept = self.iter().take_while(|e| e.seq <= seq).count();
        out.buf.reserve_exact(kept);
        out.buf
            .extend(self.iter().take(kept).map(|e| e.event.clone()));
        out
    }

    /// Bytes held by the events themselves (not what they point to).
    pub fn allocated_bytes(&self) -> usize {
        self.buf.capacity() * std::mem::size_of::<Event>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::event::EventKind;

    fn ev(t: f64) -> Event {
        Event {
            t_ms: t,
            task: None,
            kind: EventKind::PollStart,
        }
    }

    fn times(log: &EventLog) -> Vec<(u64, f64)> {
        log.iter().map(|e| (e.seq, e.t_ms)).collect()
    }

    #[test]
    fn keeps_the_newest_numbers_them_all_and_hands_back_the_oldest() {
        let mut log = EventLog::new(3);
        let mut out = Vec::new();
        for i in 0..5 {
            if let Some((seq, e)) = log.push(ev(i as f64)) {
                out.push((seq, e.t_ms));
            }
        }
        assert_eq!(times(&log), vec![(2, 2.0), (3, 3.0), (4, 4.0)]);
        assert_eq!(out, vec![(0, 0.0), (1, 1.0)]);
        assert_eq!((log.first_seq(), log.next_seq(), log.dropped()), (2, 5, 2));
        assert_eq!(log.get(3).map(|e| e.t_ms), Some(3.0));
        assert!(log.get(1).is_none() && log.get(5).is_none());
        assert_eq!(log.last().map(|e| e.seq), Some(4));
    }

    #[test]
    fn never_holds_more_than_its_cap_nor_allocates_past_it() {
        let mut log = EventLog::new(1000);
        for i in 0..10_000 {
            log.push(ev(i as f64));
            assert!(log.len() <= 1000);
        }
        assert_eq!(log.dropped(), 9000);
        assert_eq!(log.allocated_bytes(), 1000 * std::mem::size_of::<Event>());
        assert_eq!(log.iter().next().map(|e| e.seq), Some(9000));
    }

    #[test]
    fn until_keeps_the_numbers() {
        let mut log = EventLog::new(4);
        for i in 0..6 {
            log.push(ev(i as f64));
        }
        let past = log.until(3);
        assert_eq!(times(&past), vec![(2, 2.0), (3, 3.0)]);
        assert_eq!(past.next_seq(), 4);
    }

    #[test]
    fn a_zero_cap_still_keeps_the_last_event() {
        let mut log = EventLog::new(0);
        log.push(ev(1.0));
        log.push(ev(2.0));
        assert_eq!(times(&log), vec![(1, 2.0)]);
    }
}
