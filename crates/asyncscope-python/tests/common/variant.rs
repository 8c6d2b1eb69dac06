//! A lesson's variant in the corpus (tests/python/lessons.txt): its Python with one top-level
//! constant changed, as `tests/python/record` makes it. Shared by the native corpus tests
//! (tests/common/mod.rs) and the page's, in Chrome (the repository's tests/playground.rs).

/// `source` with its one top-level `CONSTANT = ...` set to the value `change` gives (the line's
/// comment kept).
pub fn with_change(source: &str, change: &str) -> String {
    let (constant, value) = change.split_once(" = ").expect("CONSTANT = value");
    let prefix = format!("{constant} = ");
    let mut changed = 0;
    let lines: Vec<String> = source
        .split('\n')
        .map(|line| {
            if !line.starts_with(&prefix) {
                return line.to_string();
            }
            changed += 1;
            let comment = line.find('#').map(|i| line[i..].to_string());
            match comment {
                Some(c) => format!("{prefix}{value}  {c}"),
                None => format!("{prefix}{value}"),
            }
        })
        .collect();
    assert_eq!(changed, 1, "{constant}: one top-level assignment expected");
    lines.join("\n")
}
