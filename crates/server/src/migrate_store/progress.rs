//! What `migrate-store` shows while it works. On a terminal: one line, rewritten in place at
//! most ten times a second, with the items and bytes done of the total, the rate and the time
//! left. Piped (to a log, `tee`, a CI job): plain lines only, one per table and one every
//! [`LINE_EVERY`] objects, so a log reads as a list and never holds carriage returns.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Piped: a line every this many objects.
pub const LINE_EVERY: u64 = 100;
/// On a terminal: the line is redrawn at most this often.
const REDRAW: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A terminal: one line, rewritten.
    Terminal,
    /// Anything else: plain lines.
    Lines,
}

impl Mode {
    /// A terminal when standard output is one.
    pub fn of_stdout() -> Mode {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Lines
        }
    }
}

/// One stretch of work: rows of a table, or the evidence objects.
#[derive(Clone, Debug)]
struct Phase {
    label: String,
    unit: &'static str,
    total_items: u64,
    total_bytes: u64,
    items: u64,
    bytes: u64,
    started: Instant,
    /// Items when the last plain line was printed.
    lined_at: u64,
}

pub struct Progress {
    mode: Mode,
    out: Mutex<Box<dyn Write + Send>>,
    state: Mutex<State>,
}

struct State {
    phase: Option<Phase>,
    /// A terminal line is showing (to be cleared before a plain line).
    drawn: bool,
    last_draw: Option<Instant>,
}

impl Progress {
    pub fn new(mode: Mode, out: Box<dyn Write + Send>) -> Progress {
        Progress {
            mode,
            out: Mutex::new(out),
            state: Mutex::new(State {
                phase: None,
                drawn: false,
                last_draw: None,
            }),
        }
    }

    /// Standard output, as a terminal or piped.
    pub fn stdout() -> Progress {
        Progress::new(Mode::of_stdout(), Box::new(std::io::stdout()))
    }

    /// A line that stays (a table done, a summary).
    pub fn line(&self, text: &str) {
        let mut state = self.lock_state();
        let mut out = self.lock_out();
        if state.drawn {
            let _ = write!(out, "\r\x1b[2K");
            state.drawn = false;
        }
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Starts counting `total_items` (of `unit`) and `total_bytes` (0 when bytes do not
    /// matter) under `label`.
    pub fn start(&self, label: &str, unit: &'static str, total_items: u64, total_bytes: u64) {
        let mut state = self.lock_state();
        state.phase = Some(Phase {
            label: label.to_owned(),
            unit,
            total_items,
            total_bytes,
            items: 0,
            bytes: 0,
            started: Instant::now(),
            lined_at: 0,
        });
        state.last_draw = None;
    }

    /// `items` more done and `bytes` more moved.
    pub fn advance(&self, items: u64, bytes: u64) {
        let mut guard = self.lock_state();
        let now = Instant::now();
        let state = &mut *guard;
        let Some(phase) = state.phase.as_mut() else {
            return;
        };
        phase.items += items;
        phase.bytes += bytes;
        match self.mode {
            Mode::Terminal => {
                if state
                    .last_draw
                    .is_some_and(|at| now.duration_since(at) < REDRAW)
                {
                    return;
                }
                let text = render(phase, now);
                state.last_draw = Some(now);
                state.drawn = true;
                let mut out = self.lock_out();
                let _ = write!(out, "\r\x1b[2K{text}");
                let _ = out.flush();
            }
            Mode::Lines => {
                if phase.unit == "objects" && phase.items >= phase.lined_at + LINE_EVERY {
                    phase.lined_at = phase.items - phase.items % LINE_EVERY;
                    let text = render(phase, now);
                    let mut out = self.lock_out();
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
            }
        }
    }

    /// Ends the phase; the caller prints what it came to with [`Self::line`].
    pub fn finish(&self) {
        let mut state = self.lock_state();
        state.phase = None;
        if state.drawn {
            let mut out = self.lock_out();
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
            state.drawn = false;
        }
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_out(&self) -> std::sync::MutexGuard<'_, Box<dyn Write + Send>> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `evidence: 120/340 objects, 45.2/130.0 MB, 12.3 MB/s, about 7 s left`.
fn render(phase: &Phase, now: Instant) -> String {
    let elapsed = now.duration_since(phase.started).as_secs_f64();
    let mut text = format!(
        "{}: {}/{} {}",
        phase.label, phase.items, phase.total_items, phase.unit
    );
    if phase.total_bytes > 0 {
        text.push_str(&format!(
            ", {}/{}",
            megabytes(phase.bytes),
            megabytes(phase.total_bytes)
        ));
    }
    // Time left from bytes when they are what takes the time, else from items.
    let (done, total) = if phase.total_bytes > 0 {
        (phase.bytes, phase.total_bytes)
    } else {
        (phase.items, phase.total_items)
    };
    if elapsed >= 0.2 && done > 0 {
        let rate = done as f64 / elapsed;
        if phase.total_bytes > 0 {
            text.push_str(&format!(", {}/s", megabytes(rate as u64)));
        } else {
            text.push_str(&format!(", {rate:.0} {}/s", phase.unit));
        }
        let left = total.saturating_sub(done) as f64 / rate;
        text.push_str(&format!(", about {} left", duration(left)));
    }
    text
}

/// Bytes as a person reads them: `845 B`, `12.3 kB`, `45.2 MB`, `1.30 GB`.
pub fn megabytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1_000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{:.1} kB", b / 1e3)
    } else if bytes < 1_000_000_000 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// `7 s`, `3 min 5 s`, `2 h 10 min`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A writer a test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8")
        }
    }

    #[test]
    fn piped_every_hundred_objects_a_plain_line_and_no_carriage_return() {
        let out = Captured::default();
        let progress = Progress::new(Mode::Lines, Box::new(out.clone()));
        progress.start("evidence", "objects", 250, 250_000);
        for _ in 0..250 {
            progress.advance(1, 1000);
        }
        progress.finish();
        progress.line("evidence: 250 objects copied");
        let text = out.text();
        assert!(!text.contains('\r'), "{text:?}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("evidence: 100/250 objects, 100.0 kB/250.0 kB"),
            "{text}"
        );
        assert!(lines[1].starts_with("evidence: 200/250 objects"), "{text}");
    }

    #[test]
    fn on_a_terminal_one_line_rewritten_then_cleared_for_what_stays() {
        let out = Captured::default();
        let progress = Progress::new(Mode::Terminal, Box::new(out.clone()));
        progress.start("evidence", "objects", 3, 3_000_000);
        progress.advance(1, 1_000_000);
        let text = out.text();
        assert!(
            text.starts_with("\r\x1b[2Kevidence: 1/3 objects, 1.0 MB/3.0 MB"),
            "{text:?}"
        );
        assert!(!text.contains('\n'), "one line, rewritten: {text:?}");
        progress.line("tickets: 12 rows copied");
        assert!(
            out.text().ends_with("\r\x1b[2Ktickets: 12 rows copied\n"),
            "{:?}",
            out.text()
        );
    }

    #[test]
    fn rate_and_time_left() {
        let started = Instant::now();
        let phase = Phase {
            label: "evidence".into(),
            unit: "objects",
            total_items: 10,
            total_bytes: 40_000_000,
            items: 5,
            bytes: 20_000_000,
            started,
            lined_at: 0,
        };
        let text = render(&phase, started + Duration::from_secs(10));
        assert_eq!(
            text,
            "evidence: 5/10 objects, 20.0 MB/40.0 MB, 2.0 MB/s, about 10 s left"
        );
        assert_eq!(duration(185.0), "3 min 5 s");
        assert_eq!(megabytes(845), "845 B");
    }
}
