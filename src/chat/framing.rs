//! Framing a byte stream on a terminator, as Python's asynchat does: the bytes of a socket (or
//! of a response body, or of a BroadcastChannel sender's posts) come cut anywhere; whole
//! messages come out. Used by the line-protocol lesson on a streamed body and by the chat room
//! on each sender's stream.

use std::fmt;

/// Splits a byte stream into messages on a terminator, as asynchat's `async_chat` does: bytes
/// go in as they arrive ([`Framer::push`]); whole messages come out ([`Framer::next_message`]),
/// without their terminator. The terminator may change between messages
/// ([`Framer::set_terminator`]), e.g. `\r\n\r\n` for a head, then `\n` for lines.
#[derive(Debug, Clone)]
pub struct Framer {
    terminator: Vec<u8>,
    buffer: Vec<u8>,
    /// How far the buffer was searched without finding the terminator.
    searched: usize,
    max_buffer: usize,
}

/// Why the framer refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A terminator must have at least one byte.
    EmptyTerminator,
    /// Taking the chunk would buffer more than the cap: a message that long without its
    /// terminator is not one this protocol sends (or the reader forgot to take messages out).
    TooLong {
        buffered: usize,
        chunk: usize,
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::EmptyTerminator => f.write_str("a terminator needs at least one byte"),
            FrameError::TooLong {
                buffered,
                chunk,
                max,
            } => write!(
                f,
                "no terminator in {buffered} buffered bytes plus a chunk of {chunk}: more than the \
                 {max} bytes a message may take"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

impl Framer {
    /// The cap on buffered bytes unless set with [`Framer::with_max_buffer`].
    pub const DEFAULT_MAX_BUFFER: usize = 1 << 20;

    pub fn new(terminator: &[u8]) -> Result<Framer, FrameError> {
        Framer::with_max_buffer(terminator, Framer::DEFAULT_MAX_BUFFER)
    }

    pub fn with_max_buffer(terminator: &[u8], max_buffer: usize) -> Result<Framer, FrameError> {
        if terminator.is_empty() {
            return Err(FrameError::EmptyTerminator);
        }
        Ok(Framer {
            terminator: terminator.to_vec(),
            buffer: Vec::new(),
            searched: 0,
            max_buffer,
        })
    }

    /// asynchat's `set_terminator`: applies to the bytes not yet framed.
    pub fn set_terminator(&mut self, terminator: &[u8]) -> Result<(), FrameError> {
        if terminator.is_empty() {
            return Err(FrameError::EmptyTerminator);
        }
        self.terminator = terminator.to_vec();
        self.searched = 0;
        Ok(())
    }

    pub fn terminator(&self) -> &[u8] {
        &self.terminator
    }

    /// asynchat's `collect_incoming_data`: buffers `chunk` (refused whole if it would overflow
    /// the cap). Take the messages out with [`Framer::next_message`] after each push.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FrameError> {
        if self.buffer.len() + chunk.len() > self.max_buffer {
            return Err(FrameError::TooLong {
                buffered: self.buffer.len(),
                chunk: chunk.len(),
                max: self.max_buffer,
            });
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    /// The next whole message, without its terminator (asynchat's `found_terminator`), or
    /// `None` until more bytes come.
    pub fn next_message(&mut self) -> Option<Vec<u8>> {
        let t = &self.terminator;
        let found = self.buffer[self.searched..]
            .windows(t.len())
            .position(|w| w == t.as_slice());
        match found {
            Some(at) => {
                let end = self.searched + at;
                let message = self.buffer[..end].to_vec();
                self.buffer.drain(..end + t.len());
                self.searched = 0;
                Some(message)
            }
            None => {
                // A terminator may start in the last len-1 bytes and end in the next chunk.
                self.searched = self.buffer.len().saturating_sub(t.len() - 1);
                None
            }
        }
    }

    /// Bytes received after the last terminator.
    pub fn pending(&self) -> &[u8] {
        &self.buffer
    }

    /// At the end of the stream: what came after the last terminator, if anything.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        self.searched = 0;
        (!self.buffer.is_empty()).then(|| std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_all(framer: &mut Framer, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut messages = Vec::new();
        for chunk in chunks {
            framer.push(chunk).expect("within the cap");
            while let Some(m) = framer.next_message() {
                messages.push(m);
            }
        }
        messages
    }

    #[test]
    fn whole_lines_come_out_without_their_terminator() {
        let mut f = Framer::new(b"\n").expect("valid");
        assert_eq!(
            frame_all(&mut f, &[b"a\nbb\n"]),
            [b"a".to_vec(), b"bb".to_vec()]
        );
        assert!(f.pending().is_empty());
        assert_eq!(f.finish(), None);
    }

    #[test]
    fn a_line_cut_anywhere_comes_out_the_same() {
        let stream = "1 alice: hi\r\n2 carol: 你好\r\n3 bob: bye\r\n".as_bytes();
        let whole = frame_all(&mut Framer::new(b"\r\n").expect("valid"), &[stream]);
        assert_eq!(whole.len(), 3);
        // Every single cut and every pair of cuts, also inside \r\n and inside a character.
        for i in 0..=stream.len() {
            for j in i..=stream.len() {
                let mut f = Framer::new(b"\r\n").expect("valid");
                let got = frame_all(&mut f, &[&stream[..i], &stream[i..j], &stream[j..]]);
                assert_eq!(got, whole, "cut at {i} and {j}");
                assert!(f.pending().is_empty());
            }
        }
        assert_eq!(String::from_utf8_lossy(&whole[1]), "2 carol: 你好");
    }

    #[test]
    fn one_byte_at_a_time_works_for_a_long_terminator() {
        let stream = b"GET / HTTP/1.0\r\nHost: x\r\n\r\nbody";
        let mut f = Framer::new(b"\r\n\r\n").expect("valid");
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(
            frame_all(&mut f, &chunks),
            [b"GET / HTTP/1.0\r\nHost: x".to_vec()]
        );
        assert_eq!(f.finish(), Some(b"body".to_vec()));
    }

    #[test]
    fn the_terminator_can_change_between_messages_as_in_asynchat() {
        let mut f = Framer::new(b"\r\n\r\n").expect("valid");
        f.push(b"HTTP/1.0 200 OK\r\n\r\n1 a\n2 b\n").expect("fits");
        assert_eq!(f.next_message(), Some(b"HTTP/1.0 200 OK".to_vec()));
        f.set_terminator(b"\n").expect("valid");
        assert_eq!(f.next_message(), Some(b"1 a".to_vec()));
        assert_eq!(f.next_message(), Some(b"2 b".to_vec()));
        assert_eq!(f.next_message(), None);
        assert_eq!(f.terminator(), b"\n");
    }

    #[test]
    fn the_buffer_has_a_cap_and_says_so() {
        let mut f = Framer::with_max_buffer(b"\n", 8).expect("valid");
        f.push(b"12345").expect("fits");
        let err = f.push(b"6789").expect_err("over the cap");
        assert_eq!(
            err,
            FrameError::TooLong {
                buffered: 5,
                chunk: 4,
                max: 8
            }
        );
        assert!(err.to_string().contains("more than the 8 bytes"));
        // Refused whole: the framer is as it was, and goes on.
        assert_eq!(f.pending(), b"12345");
        f.push(b"\n").expect("fits");
        assert_eq!(f.next_message(), Some(b"12345".to_vec()));
    }

    #[test]
    fn an_empty_terminator_is_refused() {
        assert_eq!(Framer::new(b"").err(), Some(FrameError::EmptyTerminator));
        let mut f = Framer::new(b"\n").expect("valid");
        assert_eq!(f.set_terminator(b""), Err(FrameError::EmptyTerminator));
    }
}
