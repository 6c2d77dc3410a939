//! Child processes: each command is echoed as `$ cmd args`, runs in the workspace root with
//! inherited stdio, and sees the pinned tool dirs first on PATH.

use std::env;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Paths every command needs. PATH is handed to each child explicitly because `env::set_var`
/// is `unsafe` in edition 2024 and the workspace forbids unsafe code.
pub struct Ctx {
    /// The workspace root, so `cargo xtask` behaves the same from any directory.
    pub root: PathBuf,
    /// Where `cargo install` puts binaries (`$CARGO_HOME/bin`, by default `~/.cargo/bin`).
    pub cargo_bin: PathBuf,
    /// `$HOME/.cache/helpcenter-tools`: outside the clone so every clone (and CI) on a machine
    /// reuses the same npm-installed tools.
    pub tools_dir: PathBuf,
    path: OsString,
}

impl Ctx {
    pub fn new() -> Result<Self> {
        // `cargo run` sets CARGO_MANIFEST_DIR at run time too; prefer it over the compile-time
        // value, which is stale when clones share one CARGO_TARGET_DIR.
        let manifest_dir =
            env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
        let root = Path::new(&manifest_dir)
            .parent()
            .context("xtask/ has no parent directory")?
            .to_path_buf();
        let home = PathBuf::from(env::var_os("HOME").context("HOME is not set")?);
        let cargo_home =
            env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
        let cargo_bin = cargo_home.join("bin");
        let tools_dir = home.join(".cache").join("helpcenter-tools");
        let mut dirs = vec![node_bin(&binaryen_dir(&tools_dir)), cargo_bin.clone()];
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let path = env::join_paths(dirs).context("a tool directory contains the PATH separator")?;
        Ok(Self {
            root,
            cargo_bin,
            tools_dir,
            path,
        })
    }

    /// Where npm installs binaryen (wasm-opt).
    pub fn binaryen_dir(&self) -> PathBuf {
        binaryen_dir(&self.tools_dir)
    }

    pub fn terser_dir(&self) -> PathBuf {
        self.tools_dir.join("terser")
    }

    /// A command that runs in the workspace root with the tool dirs first on PATH.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Cmd {
        let program = program.as_ref();
        let mut inner = Command::new(program);
        inner
            .current_dir(&self.root)
            .env("PATH", &self.path)
            .stdin(Stdio::null());
        Cmd {
            inner,
            dir: None,
            envs: Vec::new(),
            words: vec![shown(program)],
        }
    }
}

fn binaryen_dir(tools_dir: &Path) -> PathBuf {
    tools_dir.join("binaryen")
}

/// The directory npm links package binaries into, under an `npm install --prefix DIR`.
pub fn node_bin(prefix: &Path) -> PathBuf {
    prefix.join("node_modules").join(".bin")
}

/// A `std::process::Command` that remembers how to print itself.
pub struct Cmd {
    inner: Command,
    /// Where the child runs, when not the workspace root; shown as `cd DIR &&`.
    dir: Option<String>,
    envs: Vec<String>,
    words: Vec<String>,
}

impl Cmd {
    /// A command found on the inherited PATH, in the current directory (for programs that
    /// must not see the tool dirs, or outlive a borrowed [`Ctx`]).
    pub fn new(program: impl AsRef<OsStr>) -> Cmd {
        let program = program.as_ref();
        let mut inner = Command::new(program);
        inner.stdin(Stdio::null());
        Cmd {
            inner,
            dir: None,
            envs: Vec::new(),
            words: vec![shown(program)],
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.words.push(shown(arg.as_ref()));
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Self::arg)
    }

    /// Runs the child in `dir` instead of the workspace root (for tools that write where they
    /// run, such as `apt-get download`).
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.dir = Some(shown(dir.as_os_str()));
        self.inner.current_dir(dir);
        self
    }

    /// Sets a variable for the child; it is part of the echoed command line.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.envs.push(format!("{key}={}", shown(value.as_ref())));
        self.inner.env(key, value);
        self
    }

    /// Echoes and runs the command; a non-zero exit is an error naming the command.
    pub fn run(mut self) -> Result<()> {
        println!("$ {self}");
        let status = self
            .inner
            .status()
            .with_context(|| format!("could not start `{}` (is it installed?)", self.words[0]))?;
        if !status.success() {
            bail!("`{self}` failed ({status})");
        }
        Ok(())
    }

    /// Echoes and runs the command with its stdout and stderr merged, shown line by line as they
    /// come and each handed to `each_line` (to count what a test runner reports); a non-zero
    /// exit is an error naming the command, after every line has been handed over.
    pub fn run_reading(self, mut each_line: impl FnMut(&str)) -> Result<()> {
        println!("$ {self}");
        let shown = self.to_string();
        let program = self.words[0].clone();
        let mut inner = self.inner;
        let (reader, writer) = std::io::pipe().context("cannot make a pipe")?;
        inner.stdout(writer.try_clone()?).stderr(writer);
        let mut child = inner
            .spawn()
            .with_context(|| format!("could not start `{program}` (is it installed?)"))?;
        // The command holds the pipe's write ends too: without this the reader never ends.
        drop(inner);
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if lines
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
                line.clear();
            }
        });
        let mut hand_over = |line: String| {
            print!("{line}");
            let _ = std::io::stdout().flush();
            each_line(line.trim_end_matches(['\n', '\r']));
        };
        let status = loop {
            match received.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => hand_over(line),
                Err(RecvTimeoutError::Timeout) => {}
                // Every writer closed: the child is done with its output.
                Err(RecvTimeoutError::Disconnected) => break child.wait()?,
            }
            if let Some(status) = child.try_wait()? {
                break status;
            }
        };
        // A grandchild left running (a browser, say) may hold the pipe open: read what is
        // there, without waiting for it to end.
        while let Ok(line) = received.recv_timeout(Duration::from_millis(500)) {
            hand_over(line);
        }
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
        Ok(())
    }

    /// Echoes and starts the command in the background.
    pub fn spawn(mut self) -> Result<std::process::Child> {
        println!("$ {self} &");
        self.inner
            .spawn()
            .with_context(|| format!("could not start `{}`", self.words[0]))
    }

    /// Echoes and runs the command, its stderr shown as it comes, and returns its stdout; a
    /// non-zero exit is an error naming the command.
    pub fn capture(mut self) -> Result<String> {
        println!("$ {self}");
        let out = self
            .inner
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("could not start `{}` (is it installed?)", self.words[0]))?;
        if !out.status.success() {
            bail!("`{self}` failed ({})", out.status);
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs silently and returns stdout, or `None` if the program is missing or fails: for
    /// version checks, where "not there" and "broken" both mean "install it".
    pub fn read(mut self) -> Option<String> {
        let out = self.inner.stderr(Stdio::null()).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(dir) = &self.dir {
            write!(f, "cd {dir} && ")?;
        }
        f.write_str(
            &self
                .envs
                .iter()
                .chain(&self.words)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

/// Quotes a word for display when it would not survive copy-pasting into a shell as is.
fn shown(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A directory of our own under the system's temp dir, removed when dropped. Browsers write
/// profiles of about 100 MB each; one that is killed rather than quit leaves its profile
/// behind for good, and hundreds of them once filled CI's disk.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Result<Self> {
        let path = env::temp_dir().join(format!("helpcenter-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Scratch(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
