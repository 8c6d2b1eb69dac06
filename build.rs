//! Extracts each lesson's running code (between `// ANCHOR: lesson` and `// ANCHOR_END: lesson`
//! in src/scenarios/*.rs) into OUT_DIR, so the page shows the real source while the wasm carries
//! only those lines, not every lesson file whole (300 KB of it).

use std::fs;
use std::path::Path;

const START: &str = "// ANCHOR: lesson\n";
const END: &str = "// ANCHOR_END: lesson";

fn main() {
    println!("cargo:rerun-if-changed=src/scenarios");
    let out = std::env::var("OUT_DIR").map(|d| Path::new(&d).join("lesson-src"));
    let Ok(out) = out else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    if let Err(e) = fs::create_dir_all(&out) {
        panic!("cannot create {}: {e}", out.display());
    }
    let Ok(entries) = fs::read_dir("src/scenarios") else {
        panic!("src/scenarios is missing");
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let Ok(source) = fs::read_to_string(&path) else {
            continue;
        };
        let start = source.find(START).map_or(0, |i| i + START.len());
        let end = source[start..]
            .find(END)
            .map_or(source.len(), |i| start + i);
        let excerpt = source[start..end].trim_end();
        let target = out.join(entry.file_name());
        if let Err(e) = fs::write(&target, excerpt) {
            panic!("cannot write {}: {e}", target.display());
        }
    }
}
