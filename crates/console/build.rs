//! With the `lazy` feature, the console's wasm keeps its relocations: wasm-split (run by
//! `cargo xtask build-console`, see xtask/src/split.rs) needs them to cut the chunks out. A
//! link argument of the binary alone, so no dependency is rebuilt for it.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let lazy = std::env::var_os("CARGO_FEATURE_LAZY").is_some();
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    if lazy && wasm {
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
}
