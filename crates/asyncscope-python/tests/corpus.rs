//! Every program of the Python corpus (tests/python: programs/*.py and the lessons' Python that
//! lessons.txt names) parses, into as many statements as CPython's `ast` finds: at the top level
//! and at every depth (corpus_counts.txt, written by corpus_counts.py), so a parser that drops or
//! splits a nested block fails here.

mod common;

use asyncscope_python::ast::{Stmt, StmtKind};
use common::corpus;
use std::path::Path;

/// Statements at every depth, as `ast.walk` counts `ast.stmt` nodes (an `elif` is a nested `If`).
fn all_statements(body: &[Stmt]) -> usize {
    body.iter()
        .map(|stmt| {
            let inner = match &stmt.kind {
                StmtKind::FunctionDef(def) => all_statements(&def.body),
                StmtKind::If { body, orelse, .. }
                | StmtKind::While { body, orelse, .. }
                | StmtKind::For { body, orelse, .. } => {
                    all_statements(body) + all_statements(orelse)
                }
                StmtKind::With { body, .. } => all_statements(body),
                StmtKind::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                } => {
                    all_statements(body)
                        + handlers
                            .iter()
                            .map(|h| all_statements(&h.body))
                            .sum::<usize>()
                        + all_statements(orelse)
                        + all_statements(finalbody)
                }
                _ => 0,
            };
            1 + inner
        })
        .sum()
}

#[test]
fn every_corpus_program_parses_into_cpythons_statement_counts() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = std::fs::read_to_string(manifest.join("tests/corpus_counts.txt"))
        .expect("corpus_counts.txt");
    let programs = corpus();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, top, all] = fields[..] else {
            panic!("bad line in corpus_counts.txt: {line:?}")
        };
        let (top, all): (usize, usize) = (top.parse().expect("count"), all.parse().expect("count"));
        let Some(program) = programs.iter().find(|p| p.name == name) else {
            panic!(
                "corpus_counts.txt names {name}, which the corpus has not: rerun corpus_counts.py"
            )
        };
        checked += 1;
        match asyncscope_python::parse(&program.source) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(module) => {
                let got = (module.body.len(), all_statements(&module.body));
                if got != (top, all) {
                    failures.push(format!(
                        "{name}: (top, all) = {got:?}, CPython says {:?}",
                        (top, all)
                    ));
                }
            }
        }
    }
    assert_eq!(
        checked,
        programs.len(),
        "corpus_counts.txt is stale: rerun corpus_counts.py"
    );
    // Issue 16 asks for at least 40.
    assert!(checked >= 40, "only {checked} programs");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The corpus's programs cut short anywhere and damaged at random: whatever comes of it, `parse`
/// returns (a tree or an error), never panics. Typing in the editor makes exactly these sources.
#[test]
fn no_prefix_or_mutation_of_a_corpus_program_panics() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % bound.max(1)
    };
    const PIECES: &[&str] = &[
        "(", ")", "[", "]", "{", "}", "'", "\"", "\"\"\"", "f'{", "}", ":", "\n", "\t", "    ",
        "\\", "#", "=", ":=", "**", "not", "lambda", "yield", "async", "中", "1e", "0x", ".",
    ];
    let mut parsed = 0;
    for program in corpus() {
        let chars: Vec<char> = program.source.chars().collect();
        for cut in (0..chars.len()).step_by(29) {
            let prefix: String = chars[..cut].iter().collect();
            parsed += usize::from(asyncscope_python::parse(&prefix).is_ok());
        }
        for _ in 0..30 {
            let mut mutated = chars.clone();
            let at = next(mutated.len());
            match next(3) {
                0 => {
                    mutated.remove(at.min(mutated.len().saturating_sub(1)));
                }
                _ => {
                    let piece = PIECES[next(PIECES.len())];
                    for (i, c) in piece.chars().enumerate() {
                        mutated.insert(at + i, c);
                    }
                }
            }
            let mutated: String = mutated.into_iter().collect();
            parsed += usize::from(asyncscope_python::parse(&mutated).is_ok());
        }
    }
    // Some sources of each kind parse, so the loop did reach the parser.
    assert!(parsed > 100, "{parsed}");
}
