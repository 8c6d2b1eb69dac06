//! The split build of the release site (src/lessons/chunk.rs): with the `lessons-chunk` feature
//! (the app's binary, as index.html builds it) and `ASYNCSCOPE_SPLIT=1` (./dev's release
//! builds), for wasm32, sets `cfg(lessons_chunk)`, under which the lessons are reached only
//! through the chunk's `#[wasm_split]` functions, and has the linker keep its relocations in the
//! app's wasm, which `wasm-split-cli` (./split-page) needs to cut it in two. Here rather than in
//! RUSTFLAGS: those would apply to every binary and rebuild every dependency.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lessons_chunk)");
    println!("cargo::rerun-if-env-changed=ASYNCSCOPE_SPLIT");
    let asked = std::env::var("ASYNCSCOPE_SPLIT").is_ok_and(|v| v == "1");
    let feature = std::env::var_os("CARGO_FEATURE_LESSONS_CHUNK").is_some();
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    if asked && feature && wasm {
        println!("cargo::rustc-cfg=lessons_chunk");
        println!("cargo::rustc-link-arg-bin=asyncscope=--emit-relocs");
    }
}
