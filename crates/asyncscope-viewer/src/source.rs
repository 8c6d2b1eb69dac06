//! Where the trace panel reads from: the live recording, or a past moment of it being replayed.

use std::rc::Rc;

use asyncscope_trace::{with_recorder, Recorder};

#[derive(Clone)]
pub enum Source {
    Live,
    /// The recording rebuilt as of a replayed event (see `Recorder::as_of`).
    Past(Rc<Recorder>),
}

impl Source {
    pub fn read<R>(&self, f: impl FnOnce(&Recorder) -> R) -> R {
        match self {
            Source::Live => with_recorder(f),
            Source::Past(rec) => f(rec),
        }
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Source::Live, Source::Live) => true,
            (Source::Past(a), Source::Past(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}
