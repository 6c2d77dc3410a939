//! Short names for what a wasm-bindgen module imports from its glue. wasm-bindgen names each
//! JS function the wasm imports `__wbg_<name>_<16 hex digits>`, under the module
//! `./<crate>-<hash>_bg.js`, and the glue builds an object with those names as keys. Both
//! files are in the first open, and the hashes do not compress: the widget's 237 imports cost
//! about 4.3 KB of its wasm and 3.0 KB of its glue (gzip). Here each import gets a name of one
//! or two letters, in the wasm's import section and as the glue object's key, and the module
//! is named `a`. Nothing else changes: the glue looks the functions up by those keys only.
//!
//! Runs on wasm-bindgen's output, before wasm-opt and terser (which keep import names and
//! object keys as they are). Every old name must be a key of the glue exactly once, else the
//! build stops rather than ship glue that does not match its wasm.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// What the glue's import object is keyed by in the wasm once shortened.
const MODULE: &str = "a";

/// Renames the imports `wasm` takes from the glue `js` (`./{stem}_bg.js`), in both files.
/// Returns how many were renamed.
pub fn shorten(wasm: &Path, js: &Path, stem: &str) -> Result<usize> {
    let bytes = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let glue = fs::read_to_string(js).with_context(|| format!("reading {}", js.display()))?;
    let module = format!("./{stem}_bg.js");
    let (bytes, renamed) = rename_imports(&bytes, &module)?;
    let glue = rename_keys(&glue, &module, &renamed)?;
    fs::write(wasm, bytes)?;
    fs::write(js, glue)?;
    Ok(renamed.len())
}

/// Each renamed import: its old name and its new one.
type Renamed = Vec<(String, String)>;

/// `n`'s short name: `a`…`z`, `A`…`Z`, then two letters and on.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![LETTERS[n % LETTERS.len()]];
    n /= LETTERS.len();
    while n > 0 {
        n -= 1;
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The module with each import from `module` renamed (the module to [`MODULE`], the name to
/// a short one), every other section as it was; and (old, new) for each renamed import.
fn rename_imports(bytes: &[u8], module: &str) -> Result<(Vec<u8>, Renamed)> {
    use wasmparser::{Parser, Payload};
    let mut out = wasm_encoder::Module::new();
    let mut renamed = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.context("reading the wasm")?;
        match payload {
            // The code section is copied whole, at its start.
            Payload::Version { .. } | Payload::End(_) | Payload::CodeSectionEntry(_) => {}
            Payload::ImportSection(reader) => {
                let mut section = wasm_encoder::ImportSection::new();
                for import in reader.into_imports() {
                    let import = import.context("reading an import")?;
                    let ty = wasm_encoder::EntityType::try_from(import.ty)
                        .map_err(|e| anyhow::anyhow!("an import's type: {e:?}"))?;
                    if import.module == module {
                        let name = short_name(renamed.len());
                        section.import(MODULE, &name, ty);
                        renamed.push((import.name.to_owned(), name));
                    } else {
                        section.import(import.module, import.name, ty);
                    }
                }
                out.section(&section);
            }
            other => match other.as_section() {
                Some((id, range)) => {
                    let data = usize::try_from(range.start)
                        .ok()
                        .zip(usize::try_from(range.end).ok())
                        .and_then(|(start, end)| bytes.get(start..end))
                        .context("a section outside the wasm")?;
                    out.section(&wasm_encoder::RawSection { id, data });
                }
                None => bail!("the wasm has a part this step cannot copy: {other:?}"),
            },
        }
    }
    if renamed.is_empty() {
        bail!("the wasm imports nothing from {module}: did wasm-bindgen's naming change?");
    }
    Ok((out.finish(), renamed))
}

/// `glue` with the quoted key `module` as [`MODULE`] and each old import name, a key of the
/// import object, as its new one. Each must be there exactly once, as a whole identifier.
fn rename_keys(glue: &str, module: &str, renamed: &[(String, String)]) -> Result<String> {
    let quoted = format!("\"{module}\"");
    if glue.matches(&quoted).count() != 1 {
        bail!("the glue does not name {quoted} once, as its import object's key");
    }
    let mut glue = glue.replacen(&quoted, &format!("\"{MODULE}\""), 1);
    for (old, new) in renamed {
        let at = identifier_at(&glue, old);
        let [start] = at.as_slice() else {
            bail!(
                "the glue names the import {old} {} times, not once as its key",
                at.len()
            );
        };
        glue.replace_range(*start..start + old.len(), new);
    }
    Ok(glue)
}

/// Where `name` occurs in `text` as a whole JS identifier.
fn identifier_at(text: &str, name: &str) -> Vec<usize> {
    let part =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    text.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            !part(text[..at].chars().next_back()) && !part(text[at + name.len()..].chars().next())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two functions from the glue and one from elsewhere, as
    /// wasm-bindgen and wasm-split leave it.
    fn module() -> Vec<u8> {
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        let mut imports = wasm_encoder::ImportSection::new();
        for (module, name) in [
            ("./app-0123_bg.js", "__wbg_log_0011223344556677"),
            ("./__wasm_split-0123.js", "__wasm_split_load_x"),
            ("./app-0123_bg.js", "__wbg_alert_8899aabbccddeeff"),
        ] {
            imports.import(module, name, wasm_encoder::EntityType::Function(0));
        }
        let mut exports = wasm_encoder::ExportSection::new();
        exports.export("run", wasm_encoder::ExportKind::Func, 3);
        let mut functions = wasm_encoder::FunctionSection::new();
        functions.function(0);
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = wasm_encoder::Function::new([]);
        body.instructions().call(1).end();
        code.function(&body);
        let mut module = wasm_encoder::Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&exports)
            .section(&code);
        module.finish()
    }

    const GLUE: &str = "function imports() {\n    const import0 = {\n        __proto__: null,\n        __wbg_alert_8899aabbccddeeff: function(a) { alert(a); },\n        __wbg_log_0011223344556677: function(a) { console.log(a); },\n    };\n    return { \"./app-0123_bg.js\": import0, \"./__wasm_split-0123.js\": import1 };\n}\nwasm.__wbg_log_00112233445566778();\n";

    #[test]
    fn imports_from_the_glue_get_short_names_in_the_wasm_and_the_glue_alike() {
        let (wasm, renamed) = rename_imports(&module(), "./app-0123_bg.js").expect("rename");
        assert_eq!(
            renamed,
            [
                ("__wbg_log_0011223344556677".to_owned(), "a".to_owned()),
                ("__wbg_alert_8899aabbccddeeff".to_owned(), "b".to_owned()),
            ]
        );
        let imports: Vec<(String, String)> = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|p| match p.expect("valid") {
                wasmparser::Payload::ImportSection(r) => Some(
                    r.into_imports()
                        .map(|i| i.expect("import"))
                        .map(|i| (i.module.to_owned(), i.name.to_owned()))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(
            imports,
            [
                ("a".to_owned(), "a".to_owned()),
                (
                    "./__wasm_split-0123.js".to_owned(),
                    "__wasm_split_load_x".to_owned()
                ),
                ("a".to_owned(), "b".to_owned()),
            ]
        );
        assert!(wasmparser::Validator::new().validate_all(&wasm).is_ok());

        let glue = rename_keys(GLUE, "./app-0123_bg.js", &renamed).expect("glue");
        assert!(
            glue.contains("        b: function(a) { alert(a); },"),
            "{glue}"
        );
        assert!(
            glue.contains("        a: function(a) { console.log(a); },"),
            "{glue}"
        );
        assert!(glue.contains("{ \"a\": import0, \"./__wasm_split-0123.js\": import1 }"));
        // A longer identifier that starts with an old name is not touched.
        assert!(
            glue.contains("wasm.__wbg_log_00112233445566778();"),
            "{glue}"
        );
    }

    #[test]
    fn glue_that_does_not_name_an_import_once_stops_the_build() {
        let renamed = [("__wbg_gone_0000000000000000".to_owned(), "a".to_owned())];
        assert!(rename_keys(GLUE, "./app-0123_bg.js", &renamed).is_err());
        let twice = GLUE.replace("console.log(a)", "__wbg_alert_8899aabbccddeeff(a)");
        let renamed = [("__wbg_alert_8899aabbccddeeff".to_owned(), "a".to_owned())];
        assert!(rename_keys(&twice, "./app-0123_bg.js", &renamed).is_err());
        assert!(rename_keys(GLUE, "./other_bg.js", &[]).is_err());
    }

    #[test]
    fn short_names_are_distinct_and_short() {
        let names: Vec<String> = (0..52 * 53).map(short_name).collect();
        assert_eq!(names[0], "a");
        assert_eq!(names[51], "Z");
        assert_eq!(names[52], "aa");
        let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names.iter().all(|n| n.len() <= 2));
    }
}
