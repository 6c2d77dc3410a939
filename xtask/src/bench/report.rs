//! The bench's table: one row per figure, with its baseline and the ratio between them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

/// Repeated measurements of one thing, summarised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Figure {
    /// A figure measured once (sizes: the same every time).
    pub fn once(value: f64) -> Self {
        Figure {
            median: value,
            min: value,
            max: value,
            runs: 1,
        }
    }

    /// The median, min and max of `samples`; `None` without any.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Figure {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            runs: n,
        })
    }

    fn shown(&self, unit: &str) -> String {
        let value = |v: f64| number(v, unit);
        if self.runs > 1 && self.min != self.max {
            format!(
                "{} ({}–{}, n={})",
                value(self.median),
                value(self.min),
                value(self.max),
                self.runs
            )
        } else {
            value(self.median)
        }
    }

    fn json(&self) -> Value {
        json!({ "median": self.median, "min": self.min, "max": self.max, "runs": self.runs })
    }
}

fn number(value: f64, unit: &str) -> String {
    let digits = if value.fract() == 0.0 || value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// One figure of ours beside its baseline.
#[derive(Clone, Debug)]
pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub unit: &'static str,
    pub ours: Figure,
    /// What the baseline is: the floor, an empty handler, the page without the script…
    pub baseline_is: String,
    pub baseline: Figure,
}

impl Row {
    /// Ours over the baseline, by medians.
    pub fn ratio(&self) -> Option<f64> {
        (self.baseline.median != 0.0).then(|| self.ours.median / self.baseline.median)
    }
}

#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    pub fn new() -> Self {
        Report::default()
    }

    pub fn add(&mut self, row: Row) {
        println!(
            "bench: {} / {}: {} against {} ({})",
            row.section,
            row.what,
            row.ours.shown(row.unit),
            row.baseline.shown(row.unit),
            row.baseline_is
        );
        self.rows.push(row);
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| section | what | ours | baseline | baseline is | ratio |\n|---|---|---:|---:|---|---:|\n",
        );
        for row in &self.rows {
            let ratio = row
                .ratio()
                .map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {ratio} |",
                row.section,
                row.what,
                row.ours.shown(row.unit),
                row.baseline.shown(row.unit),
                row.baseline_is
            );
        }
        out
    }

    pub fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    json!({
                        "section": row.section,
                        "what": row.what,
                        "unit": row.unit,
                        "ours": row.ours.json(),
                        "baseline_is": row.baseline_is,
                        "baseline": row.baseline.json(),
                        "ratio": row.ratio(),
                    })
                })
                .collect(),
        )
    }

    /// Prints the table and writes `bench.md` and `bench.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let table = self.markdown();
        println!("\n{table}");
        std::fs::write(dir.join("bench.md"), &table)?;
        std::fs::write(
            dir.join("bench.json"),
            serde_json::to_string_pretty(&self.json())?,
        )?;
        println!("bench: written to {}", dir.display());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_the_median_with_its_spread() {
        let f = Figure::of(&[30.0, 10.0, 20.0, 1000.0]).expect("samples");
        assert_eq!((f.median, f.min, f.max, f.runs), (25.0, 10.0, 1000.0, 4));
        assert_eq!(Figure::of(&[3.0, 1.0, 2.0]).map(|f| f.median), Some(2.0));
        assert_eq!(Figure::of(&[]), None);
    }

    #[test]
    fn a_row_shows_ours_beside_the_baseline_and_their_ratio() {
        let mut report = Report::new();
        report.add(Row {
            section: "server",
            what: "read a ticket, p50".into(),
            unit: "ms",
            ours: Figure::of(&[2.0, 3.0, 4.0]).expect("samples"),
            baseline_is: "empty axum handler".into(),
            baseline: Figure::once(0.5),
        });
        let table = report.markdown();
        assert!(
            table.contains("| server | read a ticket, p50 | 3 ms (2 ms–4 ms, n=3) | 0.50 ms | empty axum handler | 6.00× |"),
            "{table}"
        );
        assert_eq!(report.json()[0]["ratio"], json!(6.0));
    }
}
