//! The Python corpus (tests/python), as the tests read it: each program's name and text (a
//! lesson's with its variant's one constant changed, as `tests/python/record` does), and what
//! CPython printed for it (programs/NAME.out).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

mod variant;
use variant::with_change;

pub struct Program {
    pub name: String,
    pub path: PathBuf,
    pub source: String,
    /// The recording says its times vary from run to run: compare the text only.
    pub times_vary: bool,
}

const TIMES_VARY: &str = "times vary";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every program of the corpus, sorted by name.
pub fn corpus() -> Vec<Program> {
    let root = root();
    let corpus = root.join("tests/python");
    let mut programs: Vec<Program> = std::fs::read_dir(corpus.join("programs"))
        .expect("corpus dir")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|x| x == "py"))
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            let source = std::fs::read_to_string(&path).expect("program");
            let times_vary = source.lines().next().unwrap_or("").contains(TIMES_VARY);
            Program {
                name,
                path,
                source,
                times_vary,
            }
        })
        .collect();
    let lessons = std::fs::read_to_string(corpus.join("lessons.txt")).expect("lessons.txt");
    for line in lessons
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split(" | ").map(str::trim).collect();
        let [name, file, change, note] = fields[..] else {
            panic!("bad line in lessons.txt: {line:?}")
        };
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).expect("lesson file");
        let source = if change == "-" {
            text
        } else {
            with_change(&text, change)
        };
        programs.push(Program {
            name: name.to_string(),
            path,
            source,
            times_vary: note.contains(TIMES_VARY),
        });
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    programs
}

/// One line of a recording.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// A printed line and its time (ms since the program's start).
    Line(f64, String),
    Unterminated(String),
    Raised(String),
    End(f64, i32),
}

/// programs/NAME.out
pub fn recording(name: &str) -> Vec<Recorded> {
    let path = root()
        .join("tests/python/programs")
        .join(format!("{name}.out"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            if let Some(rest) = l.strip_prefix("unterminated\t") {
                Recorded::Unterminated(rest.to_string())
            } else if let Some(rest) = l.strip_prefix("raised\t") {
                Recorded::Raised(rest.to_string())
            } else if let Some(rest) = l.strip_prefix("end ") {
                let (t, code) = rest.split_once(" exit=").expect("end line");
                Recorded::End(
                    t.parse().expect("end time"),
                    code.parse().expect("exit code"),
                )
            } else {
                let (t, text) = l.split_once('\t').expect("time and text");
                Recorded::Line(t.parse().expect("time"), text.to_string())
            }
        })
        .collect()
}
