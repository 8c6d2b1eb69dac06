//! The chat room (src/chat/) over a real BroadcastChannel in headless Chrome: two channel objects
//! of one name in one page deliver to each other, lines cut into chunks are framed whole, the
//! worker's server answers in the room (run here in the page) while it is held, and the whole
//! lesson talks to a second participant run by the test (peer=tab). The worker participant
//! itself needs the trunk build: the end-to-end test runs it. (The line-protocol lesson, which
//! frames a streamed body the same way, needs the in-browser server: tests/server.rs.)
//! Run with `wasm-pack test --headless --chrome -- --test lessons_chat`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use asyncscope::chat::{compose, cut, serve_in_worker, ChatChannel, Heard, Post, Room, CHANNEL};
use asyncscope::lessons::{self, RunState};
use asyncscope::trace::{spawn, timeout, with_recorder, EventKind, WakeSource};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn next(channel: &ChatChannel) -> String {
    timeout(Duration::from_secs(5), channel.next())
        .await
        .expect("a post within 5 s")
        .expect("the inbox is open")
}

#[wasm_bindgen_test]
async fn two_channels_of_one_name_in_one_page_frame_each_others_chunked_lines() {
    let a = ChatChannel::open("asyncscope-chat-test-1").expect("opens");
    let b = ChatChannel::open("asyncscope-chat-test-1").expect("opens");
    let line = compose("tab-a: two\nlines").expect("composed");
    // One byte... one character per post: the worst cutting a sender can do.
    let chunks: Vec<String> = line.chars().map(String::from).collect();
    for chunk in &chunks {
        a.post(&Post::Data {
            from: "tab-a".into(),
            chunk: chunk.clone(),
        })
        .expect("posted");
    }
    let mut room = Room::new("tab-b");
    let mut messages = Vec::new();
    for k in 0..chunks.len() {
        match room.hear(&next(&b).await) {
            Ok(Heard::Data { messages: m, .. }) => {
                // Nothing comes out before the terminator: never early.
                assert!(m.is_empty() || k == chunks.len() - 1, "{m:?} at {k}");
                messages.extend(m);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(messages, ["tab-a: two\nlines"]);
    // And back the other way; a post never comes back to its own channel object.
    b.post(&Post::Here {
        from: "tab-b".into(),
    })
    .expect("posted");
    assert_eq!(
        room.hear(&next(&a).await),
        Ok(Heard::Here {
            from: "tab-b".into()
        })
    );
    assert!(b.is_empty_now(), "b got its own post");
    assert_eq!((a.dropped(), b.dropped()), (0, 0));
}

#[wasm_bindgen_test]
async fn a_post_wakes_the_reading_task_through_the_traced_inbox() {
    let a = ChatChannel::open("asyncscope-chat-test-2").expect("opens");
    let b = ChatChannel::open("asyncscope-chat-test-2").expect("opens");
    let inbox = b.inbox_id();
    let reader = spawn("reader", async move { b.next().await });
    a.post(&Post::Join {
        from: "tab-a".into(),
    })
    .expect("posted");
    let raw = timeout(Duration::from_secs(5), reader)
        .await
        .expect("read within 5 s")
        .expect("joined")
        .expect("a post");
    assert!(raw.contains("\"join\""), "{raw}");
    let woken = with_recorder(|r| {
        r.events().iter().any(
            |e| matches!(e.kind, EventKind::Woken { by: WakeSource::Channel(id), .. } if id == inbox),
        )
    });
    assert!(
        woken,
        "the reader was never woken by the BroadcastChannel's inbox"
    );
}

#[wasm_bindgen_test]
async fn oversized_and_foreign_posts_are_dropped_and_counted_not_queued() {
    let raw = web_sys::BroadcastChannel::new("asyncscope-chat-test-3").expect("opens");
    let b = ChatChannel::open("asyncscope-chat-test-3").expect("opens");
    raw.post_message(&wasm_bindgen::JsValue::from_str(&"x".repeat(10 << 20)))
        .expect("posted");
    raw.post_message(&wasm_bindgen::JsValue::from_f64(1.0))
        .expect("posted");
    raw.post_message(&wasm_bindgen::JsValue::from_str("last"))
        .expect("posted");
    assert_eq!(next(&b).await, "last");
    assert_eq!(b.dropped(), 2);
    raw.close();
}

#[wasm_bindgen_test]
async fn the_server_answers_in_the_room_while_it_is_held_and_leaves_when_dropped() {
    let tab = ChatChannel::open("asyncscope-chat-test-4").expect("opens");
    let server = serve_in_worker("asyncscope-chat-test-4", "server-t").expect("joins");
    let mut room = Room::new("tab-t");
    assert_eq!(
        room.hear(&next(&tab).await),
        Ok(Heard::Here {
            from: "server-t".into()
        }),
        "it says it is here when it joins"
    );
    tab.post(&Post::Join {
        from: "tab-t".into(),
    })
    .expect("posted");
    assert_eq!(
        room.hear(&next(&tab).await),
        Ok(Heard::Here {
            from: "server-t".into()
        }),
        "it answers a join"
    );
    let line = compose("tab-t: hi").expect("composed");
    for chunk in cut(&line) {
        tab.post(&Post::Data {
            from: "tab-t".into(),
            chunk: chunk.into(),
        })
        .expect("posted");
    }
    let mut pushed = Vec::new();
    while pushed.is_empty() {
        if let Ok(Heard::Data { messages, .. }) = room.hear(&next(&tab).await) {
            pushed.extend(messages);
        }
    }
    assert_eq!(pushed, ["tab-t: hi"], "it pushes the line back");
    // Dropped, it has left: a join goes unanswered.
    drop(server);
    tab.post(&Post::Join {
        from: "tab-t".into(),
    })
    .expect("posted");
    let answer = timeout(Duration::from_millis(300), tab.next()).await;
    assert!(answer.is_err(), "answered after it left: {answer:?}");
}

/// A second participant run by the test in this page: answers the lesson's join, sends the
/// tab's two lines, and frames what the lesson sends.
async fn second_tab(name: &'static str) -> Vec<String> {
    let channel = ChatChannel::open(CHANNEL).expect("opens");
    let mut room = Room::new(name);
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let Ok(raw) = timeout(Duration::from_secs(10), channel.next()).await else {
            break;
        };
        match room.hear(&raw.expect("open")) {
            Ok(Heard::Join { .. }) => {
                channel
                    .post(&Post::Here { from: name.into() })
                    .expect("posted");
                for message in ["Hello, World", "two lines\nin one message"] {
                    let line = compose(&format!("{name}: {message}")).expect("composed");
                    for chunk in cut(&line) {
                        channel
                            .post(&Post::Data {
                                from: name.into(),
                                chunk: chunk.into(),
                            })
                            .expect("posted");
                    }
                }
            }
            Ok(Heard::Data { messages, .. }) => heard.extend(messages),
            _ => {}
        }
    }
    heard
}

#[wasm_bindgen_test]
async fn the_lesson_and_a_second_tab_exchange_lines_both_ways() {
    let peer = spawn("second tab", second_tab("tab-test"));
    let lesson = lessons::find("chat").expect("registered");
    let params = lesson
        .validate([("peer", "tab"), ("wait_s", "10")])
        .expect("valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, RunState::Done, "{report:?}");
    for check in &report.checks {
        assert!(check.ok, "{check:?}");
    }
    let texts: Vec<&str> = report.lines.iter().map(|l| l.text.as_str()).collect();
    let received: Vec<&&str> = texts
        .iter()
        .filter(|t| t.starts_with("Line received: "))
        .collect();
    assert_eq!(
        received,
        [
            &"Line received: tab-test: Hello, World",
            &"Line received: tab-test: two lines\nin one message"
        ]
    );
    assert!(texts[0].starts_with("Received data: "), "{texts:?}");
    // The refused inputs are explained.
    let notes: Vec<&str> = report.notes.iter().map(|n| n.text.as_str()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("an empty message is not sent")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("a 10485760 byte message is refused")),
        "{notes:?}"
    );
    // The other side got the lesson's lines, whole.
    let heard = timeout(Duration::from_secs(10), peer)
        .await
        .expect("the second tab ends")
        .expect("joined");
    let me = notes
        .iter()
        .find_map(|n| n.strip_prefix("this tab is "))
        .and_then(|n| n.split(' ').next())
        .expect("the lesson names itself");
    assert_eq!(
        heard,
        [
            format!("{me}: Hello, World"),
            format!("{me}: two lines\nin one message")
        ]
    );
}

#[wasm_bindgen_test]
async fn without_the_trunk_build_the_worker_peer_fails_in_words() {
    let lesson = lessons::find("chat").expect("registered");
    let params = lesson.validate([("peer", "worker")]).expect("valid");
    let report = lessons::start(lesson, params).report.await;
    assert_eq!(report.state, RunState::Failed);
    let error = report.error.unwrap_or_default();
    assert!(
        error.starts_with(
            "the worker participant did not join: the Web Worker crunch_worker.js did not load"
        ),
        "{error}"
    );
}
