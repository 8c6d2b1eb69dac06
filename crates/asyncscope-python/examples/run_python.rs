//! Runs a Python file through the playground's interpreter off the browser, on the tracer's fake
//! clock, and prints each line with its time, as tests/python/programs/*.out has them:
//!
//! ```text
//! cargo run -p asyncscope-python --example run_python -- tests/python/programs/own_gather_results.py
//! ```

#[cfg(not(target_arch = "wasm32"))]
use asyncscope_python::interp::{check, simulate, Options, Outcome};

/// Off the browser only: in a page, the playground runs programs.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: run_python FILE.py");
        std::process::exit(2);
    };
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let module = match asyncscope_python::parse(&source) {
        Ok(m) => m,
        Err(e) => {
            println!("refused\tSyntaxError: {e}");
            std::process::exit(1);
        }
    };
    if let Err(r) = check(&module) {
        println!("refused\t{}: {r}", r.kind);
        std::process::exit(1);
    }
    let t = simulate(module, Options::default());
    for (ms, text) in &t.lines {
        println!("{ms:.1}\t{text}");
    }
    if !t.unterminated.is_empty() {
        println!("unterminated\t{}", t.unterminated);
    }
    let code = match &t.outcome {
        Some(Outcome::Finished) => 0,
        Some(Outcome::Raised {
            last_line,
            line,
            col,
        }) => {
            println!("raised\t{last_line} (line {line}, column {col})");
            1
        }
        Some(Outcome::Stopped(message)) => {
            println!("stopped\t{message}");
            1
        }
        None => {
            println!("never ended: every task waits for something that cannot come");
            1
        }
    };
    println!("end {:.1} exit={code}", t.end_ms);
}
