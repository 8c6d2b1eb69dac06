//! The event log: a ring that keeps the newest events, numbers every event ever recorded
//! (`seq`), and hands back the event it pushes out so that the recorder can fold it into its
//! snapshot of the oldest kept moment.

use std::ops::Deref;

use super::event::Event;

/// Events per chunk of storage: the log grows a chunk at a time (never reallocating what it
/// holds, so a growing log never holds two copies of itself at once).
const CHUNK: usize = 4096;

/// The recording's events: the newest, up to a cap, each numbered in the whole recording
/// (`seq`, from 0).
#[derive(Debug, Clone)]
pub struct EventLog {
    /// Slot `i` of the ring is `chunks[i / CHUNK][i % CHUNK]`; each chunk is allocated at its
    /// exact size, the last one to what the cap leaves.
    chunks: Vec<Vec<Event>>,
    len: usize,
    /// The slot of the oldest event, once the ring is full.
    head: usize,
    cap: usize,
    /// Events pushed out so far: the `seq` of the oldest kept.
    dropped: u64,
}

/// An event and its number in the whole recording.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    /// Its number in the whole recording.
    pub seq: u64,
    /// The event.
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
            chunks: Vec::new(),
            len: 0,
            head: 0,
            cap: cap.max(1),
            dropped: 0,
        }
    }

    fn slot(&self, i: usize) -> &Event {
        &self.chunks[i / CHUNK][i % CHUNK]
    }

    /// The `seq` the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.dropped + self.len as u64
    }

    /// The `seq` of the oldest event kept.
    pub fn first_seq(&self) -> u64 {
        self.dropped
    }

    /// Appends `event`; when full, the oldest is shown to `evicted` with its `seq`, then
    /// dropped in its place (the recorder folds it into its snapshot without moving it out,
    /// unless it keeps it).
    pub(crate) fn push_with(&mut self, event: Event, evicted: impl FnOnce(u64, &mut Event)) {
        if self.len < self.cap {
            self.append(event);
            return;
        }
        let head = self.head;
        let slot = &mut self.chunks[head / CHUNK][head % CHUNK];
        evicted(self.dropped, slot);
        *slot = event;
        self.head = if head + 1 == self.cap { 0 } else { head + 1 };
        self.dropped += 1;
    }

    /// Appends `event` to a log not yet full.
    fn append(&mut self, event: Event) {
        if self.len.is_multiple_of(CHUNK) {
            let size = CHUNK.min(self.cap - self.len);
            self.chunks.push(Vec::with_capacity(size));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(event);
        }
        self.len += 1;
    }

    /// Appends `event`; when full, the oldest is pushed out and returned with its `seq`.
    pub fn push(&mut self, event: Event) -> Option<(u64, Event)> {
        if self.len < self.cap {
            self.append(event);
            return None;
        }
        let head = self.head;
        let old = std::mem::replace(&mut self.chunks[head / CHUNK][head % CHUNK], event);
        let seq = self.dropped;
        self.head = if head + 1 == self.cap { 0 } else { head + 1 };
        self.dropped += 1;
        Some((seq, old))
    }

    /// Events kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No event is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events kept at most.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How many events were pushed out to keep within the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The slot holding the `i`th oldest kept event.
    fn at(&self, i: usize) -> usize {
        let slot = self.head + i;
        if slot < self.len {
            slot
        } else {
            slot - self.len
        }
    }

    /// Oldest first, each with its `seq`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = EventRef<'_>> + ExactSizeIterator {
        let first = self.dropped;
        (0..self.len).map(move |i| EventRef {
            seq: first + i as u64,
            event: self.slot(self.at(i)),
        })
    }

    /// The event numbered `seq`, if it is still kept.
    pub fn get(&self, seq: u64) -> Option<EventRef<'_>> {
        let i = usize::try_from(seq.checked_sub(self.dropped)?).ok()?;
        if i >= self.len {
            return None;
        }
        Some(EventRef {
            seq,
            event: self.slot(self.at(i)),
        })
    }

    /// The newest event.
    pub fn last(&self) -> Option<EventRef<'_>> {
        self.next_seq().checked_sub(1).and_then(|s| self.get(s))
    }

    /// The events up to `seq`, numbered as here (for a replayed moment).
    pub fn until(&self, seq: u64) -> EventLog {
        let mut out = EventLog::new(self.cap);
        for e in self.iter().take_while(|e| e.seq <= seq) {
            out.push(e.event.clone());
        }
        out.dropped = self.dropped;
        out
    }

    /// Bytes held by the events themselves (not what they point to).
    pub fn allocated_bytes(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum::<usize>() * std::mem::size_of::<Event>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    fn ev(t: f64) -> Event {
        Event {
            t_ms: t,
            task: None,
            kind: EventKind::HandleDropped,
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
    fn a_log_of_several_chunks_wraps_in_order() {
        let mut log = EventLog::new(CHUNK * 2 + 10);
        let total = CHUNK * 5 + 3;
        for i in 0..total {
            log.push(ev(i as f64));
        }
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        let first = (total - log.cap()) as u64;
        assert_eq!(seqs, (first..total as u64).collect::<Vec<_>>());
        assert!(log.iter().all(|e| e.t_ms == e.seq as f64));
        assert_eq!(log.get(first + 5).map(|e| e.t_ms), Some((first + 5) as f64));
    }

    #[test]
    fn a_zero_cap_still_keeps_the_last_event() {
        let mut log = EventLog::new(0);
        log.push(ev(1.0));
        log.push(ev(2.0));
        assert_eq!(times(&log), vec![(1, 2.0)]);
    }
}
