//! What each step of `cargo xtask test` ran, counted from the test runners' own reports, and
//! the floors that make a step fail when a suite ran fewer tests than it should.
//!
//! An exit code alone proves little: `cargo test` on a file whose `#![cfg]` went wrong, or the
//! wasm runner on a binary with no tests ("no tests to run!"), exit 0 having run nothing. So
//! every suite a step runs is counted, and each counted step keeps a floor per suite beside it
//! (in `test.rs`): a suite below its floor, a suite gone, or a new suite that runs tests
//! without a floor fails the step. Raise a floor when you add tests.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Result, bail};
use serde_json::Value;

/// The tests of one suite (a test binary, an end-to-end spec file, a group of checks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub passed: u32,
    pub failed: u32,
    pub ignored: u32,
}

impl Count {
    pub fn ran(&self) -> u32 {
        self.passed + self.failed
    }
}

/// What one step ran, suite by suite, in a stable order.
#[derive(Debug, Default)]
pub struct Tally {
    suites: BTreeMap<String, Count>,
}

impl Tally {
    /// Adds `count` to the suite `name` (a suite run twice adds up).
    pub fn add(&mut self, name: impl Into<String>, count: &Count) {
        let entry = self.suites.entry(name.into()).or_default();
        entry.passed += count.passed;
        entry.failed += count.failed;
        entry.ignored += count.ignored;
    }

    /// One check that held: for steps whose checks are not test-runner tests (size budgets,
    /// the split build in Chromium).
    pub fn pass(&mut self, suite: &str) {
        self.add(
            suite,
            &Count {
                passed: 1,
                ..Count::default()
            },
        );
    }

    /// One check that did not hold.
    pub fn fail(&mut self, suite: &str) {
        self.add(
            suite,
            &Count {
                failed: 1,
                ..Count::default()
            },
        );
    }

    pub fn total(&self) -> Count {
        let mut total = Count::default();
        for count in self.suites.values() {
            total.passed += count.passed;
            total.failed += count.failed;
            total.ignored += count.ignored;
        }
        total
    }

    pub fn suites(&self) -> impl Iterator<Item = (&str, &Count)> {
        self.suites
            .iter()
            .map(|(name, count)| (name.as_str(), count))
    }

    /// Holds the tally to its floors: every suite with a floor ran and ran at least that many
    /// tests, and no suite ran without one (so a new test file is seen, and given a floor).
    pub fn check_floors(&self, floors: &[(&str, u32)]) -> Result<()> {
        let mut problems = Vec::new();
        if self.total().ran() == 0 {
            problems.push("no test ran at all".to_owned());
        }
        for (suite, floor) in floors {
            match self.suites.get(*suite) {
                None => problems.push(format!("`{suite}` did not run (its floor is {floor})")),
                Some(count) if count.ran() < *floor => problems.push(format!(
                    "`{suite}` ran {} tests, fewer than its floor of {floor}: were tests lost?",
                    count.ran()
                )),
                Some(_) => {}
            }
        }
        // A binary with no tests at all (a crate's `main.rs`, a lib with no unit tests) needs no
        // floor; one that runs tests does, so a new test file is seen.
        for (suite, count) in &self.suites {
            if count.ran() > 0 && !floors.iter().any(|(name, _)| name == suite) {
                problems.push(format!(
                    "`{suite}` ran {} tests but has no floor: add (\"{suite}\", {}) to the step's \
                     floors in xtask/src/test.rs",
                    count.ran(),
                    count.ran()
                ));
            }
        }
        if !problems.is_empty() {
            bail!(
                "the step did not run what it should:\n  {}",
                problems.join("\n  ")
            );
        }
        Ok(())
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.ignored > 0 {
            write!(f, ", {} ignored", self.ignored)?;
        }
        Ok(())
    }
}

/// Reads the output of `cargo test` (native, or wasm through wasm-bindgen-test-runner) line by
/// line, naming each suite after the test binary cargo says it is running.
#[derive(Debug, Default)]
pub struct LibtestReader {
    /// The suite whose results come next, from cargo's last `Running …` or `Doc-tests …` line.
    current: Option<String>,
}

impl LibtestReader {
    pub fn line(&mut self, line: &str, tally: &mut Tally) {
        let line = line.trim();
        // cargo's `Running tests/x.rs (target/…/x-0123…)`; not the wasm runner's own
        // `Running headless tests in Chrome on `http://…``, which follows it.
        if let Some(rest) = line.strip_prefix("Running ")
            && rest.ends_with(')')
            && rest.contains(" (")
        {
            self.current = Some(suite_of_running(rest));
        } else if let Some(krate) = line.strip_prefix("Doc-tests ") {
            self.current = Some(format!("{} (doc)", krate.trim()));
        } else if line == "no tests to run!" {
            // wasm-bindgen-test-runner's answer for an empty binary, which exits 0.
            if let Some(suite) = self.current.take() {
                tally.add(suite, &Count::default());
            }
        } else if let Some(result) = line.strip_prefix("test result: ")
            && let Some(count) = libtest_result(result)
        {
            let suite = self
                .current
                .take()
                .unwrap_or_else(|| "(unnamed test binary)".to_owned());
            tally.add(suite, &count);
        }
    }
}

/// `unittests src/lib.rs (target/debug/deps/helpcenter_core-0123abcd)` → `helpcenter_core (unit)`;
/// `tests/http.rs (target/debug/deps/http-0123abcd)` → `http`; the wasm binaries end in `.wasm`.
fn suite_of_running(rest: &str) -> String {
    let binary = rest
        .rsplit_once('(')
        .map_or(rest, |(_, path)| path.trim_end_matches(')'))
        .rsplit('/')
        .next()
        .unwrap_or(rest)
        .trim_end_matches(".wasm");
    // cargo names a test binary `<name>-<16 hex digits>`.
    let name = binary
        .rsplit_once('-')
        .filter(|(_, hash)| hash.chars().all(|c| c.is_ascii_hexdigit()))
        .map_or(binary, |(name, _)| name);
    if rest.starts_with("unittests ") {
        let source = rest
            .trim_start_matches("unittests ")
            .split(" (")
            .next()
            .unwrap_or_default();
        if source.ends_with("lib.rs") {
            format!("{name} (unit)")
        } else {
            format!("{name} (unit, {source})")
        }
    } else {
        name.to_owned()
    }
}

/// `ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s`
fn libtest_result(result: &str) -> Option<Count> {
    let (_, counts) = result.split_once(". ")?;
    let mut count = Count::default();
    let mut seen = false;
    for part in counts.split(';') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        match what {
            "passed" => (count.passed, seen) = (n, true),
            "failed" => count.failed = n,
            "ignored" => count.ignored = n,
            _ => {}
        }
    }
    seen.then_some(count)
}

/// Counts Playwright's JSON report per spec file: a test passed when every run of it was
/// expected, failed when one was not, and is ignored when skipped.
pub fn playwright(report: &Value, tally: &mut Tally) -> Result<()> {
    let Some(files) = report["suites"].as_array() else {
        bail!("Playwright's JSON report has no suites");
    };
    for file in files {
        let name = file["file"]
            .as_str()
            .or_else(|| file["title"].as_str())
            .unwrap_or("(unnamed spec)");
        let mut count = Count::default();
        count_specs(file, &mut count);
        tally.add(name, &count);
    }
    Ok(())
}

fn count_specs(suite: &Value, count: &mut Count) {
    for spec in suite["specs"].as_array().into_iter().flatten() {
        for test in spec["tests"].as_array().into_iter().flatten() {
            match test["status"].as_str() {
                Some("expected" | "flaky") => count.passed += 1,
                Some("skipped") => count.ignored += 1,
                _ => count.failed += 1,
            }
        }
    }
    for inner in suite["suites"].as_array().into_iter().flatten() {
        count_specs(inner, count);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(output: &str) -> Tally {
        let mut reader = LibtestReader::default();
        let mut tally = Tally::default();
        for line in output.lines() {
            reader.line(line, &mut tally);
        }
        tally
    }

    fn count(passed: u32, failed: u32, ignored: u32) -> Count {
        Count {
            passed,
            failed,
            ignored,
        }
    }

    #[test]
    fn cargo_test_output_is_counted_per_test_binary() {
        let tally = read(
            "     Running unittests src/lib.rs (target/debug/deps/helpcenter_core-0a1b2c3d4e5f6a7b)
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s
     Running unittests src/main.rs (target/debug/deps/xtask-00112233445566ff)
running 1 test
test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
     Running tests/http.rs (target/debug/deps/http-ffeeddccbbaa9988)
running 2 tests
test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s
   Doc-tests helpcenter_core
running 0 tests
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
",
        );
        let suites: Vec<_> = tally
            .suites()
            .map(|(n, c)| (n.to_owned(), c.clone()))
            .collect();
        assert_eq!(
            suites,
            [
                ("helpcenter_core (doc)".to_owned(), count(0, 0, 0)),
                ("helpcenter_core (unit)".to_owned(), count(3, 0, 1)),
                ("http".to_owned(), count(2, 0, 0)),
                ("xtask (unit, src/main.rs)".to_owned(), count(0, 1, 0)),
            ]
        );
        assert_eq!(tally.total(), count(5, 1, 1));
    }

    #[test]
    fn the_wasm_runners_empty_binary_counts_as_zero() {
        let tally = read(
            "     Running tests/bridge.rs (target/wasm32-unknown-unknown/debug/deps/bridge-0123456789abcdef.wasm)
Set WASM_BINDGEN_TEST_TIMEOUT to 120 seconds...
Running headless tests in Chrome on `http://127.0.0.1:38903/`
no tests to run!
",
        );
        assert_eq!(
            tally.suites().collect::<Vec<_>>(),
            [("bridge", &count(0, 0, 0))]
        );
        let err = tally
            .check_floors(&[("bridge", 5)])
            .expect_err("the floors should fail")
            .to_string();
        assert!(err.contains("no test ran at all"), "{err}");
        assert!(
            err.contains("`bridge` ran 0 tests, fewer than its floor of 5"),
            "{err}"
        );
    }

    #[test]
    fn the_wasm_runners_own_running_line_is_not_a_suite() {
        let tally = read(
            "     Running tests/widget.rs (target/wasm32-unknown-unknown/debug/deps/widget-93c012d7507b2b37.wasm)
Set WASM_BINDGEN_TEST_TIMEOUT to 120 seconds...
Running headless tests in Chrome on `http://127.0.0.1:40691/`
Try find `webdriver.json` for configure browser's capabilities:
running 7 tests
test result: ok. 7 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.55s
",
        );
        assert_eq!(
            tally.suites().collect::<Vec<_>>(),
            [("widget", &count(7, 0, 0))]
        );
    }

    #[test]
    fn floors_catch_a_suite_lost_shrunk_or_new() {
        let tally = read(
            "     Running tests/http.rs (target/debug/deps/http-ffeeddccbbaa9988)
test result: ok. 9 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s
     Running tests/cli.rs (target/debug/deps/cli-ffeeddccbbaa9988)
test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s
",
        );
        assert!(tally.check_floors(&[("http", 9), ("cli", 4)]).is_ok());
        let shrunk = tally
            .check_floors(&[("http", 10), ("cli", 4)])
            .expect_err("the floors should fail");
        assert!(
            shrunk
                .to_string()
                .contains("`http` ran 9 tests, fewer than its floor of 10")
        );
        let lost = tally
            .check_floors(&[("http", 9), ("cli", 4), ("uploads", 3)])
            .expect_err("the floors should fail");
        assert!(lost.to_string().contains("`uploads` did not run"));
        let new = tally
            .check_floors(&[("http", 9)])
            .expect_err("the floors should fail");
        assert!(
            new.to_string()
                .contains("`cli` ran 4 tests but has no floor")
        );
        // A binary without tests (a crate's main.rs) needs no floor.
        let mut with_empty = read(
            "     Running unittests src/main.rs (target/debug/deps/helpcenter_server-0011223344556677)
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
",
        );
        with_empty.add("http", &count(9, 0, 0));
        with_empty.add("cli", &count(4, 0, 0));
        assert!(with_empty.check_floors(&[("http", 9), ("cli", 4)]).is_ok());
    }

    #[test]
    fn playwright_report_is_counted_per_spec_file() {
        let report = json!({
            "suites": [
                {"file": "journey.spec.js", "specs": [
                    {"tests": [{"status": "expected"}]},
                    {"tests": [{"status": "unexpected"}]},
                ], "suites": [
                    {"specs": [{"tests": [{"status": "skipped"}, {"status": "flaky"}]}]}
                ]},
                {"file": "embed.spec.js", "specs": [{"tests": [{"status": "expected"}]}]},
            ]
        });
        let mut tally = Tally::default();
        playwright(&report, &mut tally).expect("a report with suites");
        assert_eq!(
            tally.suites().collect::<Vec<_>>(),
            [
                ("embed.spec.js", &count(1, 0, 0)),
                ("journey.spec.js", &count(2, 1, 1))
            ]
        );
    }
}
