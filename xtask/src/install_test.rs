//! `cargo xtask install-test`: the README's "Running it for a store", from the archive to a
//! service behind TLS, done as written on this machine and checked (issue 20's "Done when").
//!
//! The archive is the one `cargo xtask dist` makes (`dist::package`), with the debug binary
//! the native tests already built instead of the release one, so the suite makes no release
//! build of the server. It is unpacked and checked against its SHA256SUMS, the config and
//! the unit are installed, and the server is started with the unit's own `ExecStart` line,
//! read from the unit file, and its `EnvironmentFile`. Nothing here is root's to write: the
//! README's absolute paths (`/opt/helpcenter-server`, `/etc/helpcenter-server`,
//! `/var/lib/helpcenter-server`, `/var/backups/helpcenter-server`) are the same paths under a
//! scratch directory, and the ports are free ones on loopback instead of 443, 80 and 8080,
//! each replaced where the shipped files name it (once, or the test fails: a shipped file
//! that changes is noticed). Admin commands run through the README's own `helpcenter-admin`
//! function, without its `sudo -u helpcenter` (no such user here).
//!
//! In front: Debian's nginx with the archive's `etc/nginx.conf` and a self-signed certificate
//! made here with openssl; every request below goes through it over TLS, verified against
//! that certificate. A claim is filed with a photo (tus through the proxy), an agent works it
//! with the admin key, the admin view's link to the photo is fetched with the admin key, a
//! backup is taken while the server runs, the server is stopped, restored and started again,
//! and the restored server must hold the ticket, its events and its photo as they were at
//! the backup (an agent's note written after the backup is gone); the shopper's event stream
//! comes through at once. Then the archive's Caddyfile, with Debian's caddy, in front of the
//! same server: the widget, the API and the stream again. The unit is checked with
//! `systemd-analyze verify`. Each command and what it printed is the step's transcript,
//! printed and kept in `target/install-test/transcript.txt`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};

use crate::cmd::{Ctx, Scratch};
use crate::tally::Tally;

pub const SUITE: &str = "install from the archive";

/// The README's absolute paths, each under the scratch root here.
const ROOTS: [&str; 4] = [
    "/opt/helpcenter-server",
    "/etc/helpcenter-server",
    "/var/lib/helpcenter-server",
    "/var/backups/helpcenter-server",
];
const HOST: &str = "help.acme.example";
const README: &str = "README.md";

pub fn run(ctx: &Ctx, tally: &mut Tally) -> Result<()> {
    crate::tools::ensure_proxies(ctx)?;
    for tool in ["nginx", "caddy", "openssl", "curl", "tar", "sha256sum"] {
        ensure!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()?
                .success(),
            "install-test needs {tool} (Debian: apt-get install nginx caddy openssl curl)"
        );
    }
    // The debug binary the native tests built (a no-op after them).
    ctx.cmd("cargo")
        .args(["build", "--locked", "-p", "helpcenter-server", "--bin"])
        .arg("helpcenter-server")
        .run()?;
    let out = ctx.root.join("target").join("install-test");
    std::fs::create_dir_all(&out)?;
    let archive =
        crate::dist::package(ctx, &ctx.root.join("target/debug/helpcenter-server"), &out)?;
    let scratch = Scratch::new("install-test")?;
    let mut test = Install::new(ctx, scratch.path(), &archive)?;
    let outcome = test.walk(tally);
    test.stop_all();
    let transcript = out.join("transcript.txt");
    std::fs::write(&transcript, &test.transcript)?;
    println!("{}", test.transcript);
    println!("(transcript kept in {})", transcript.display());
    if outcome.is_err() {
        for log in ["server.log", "nginx/error.log", "caddy/caddy.log"] {
            let text = std::fs::read_to_string(test.root.join(log)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            println!("--- last lines of {log}:");
            for line in tail.iter().rev() {
                println!("{line}");
            }
        }
    }
    outcome
}

struct Install {
    root: PathBuf,
    archive: PathBuf,
    readme: String,
    transcript: String,
    server_port: u16,
    tls_port: u16,
    http_port: u16,
    caddy_port: u16,
    server: Option<Child>,
    nginx: Option<Child>,
    caddy: Option<Child>,
}

impl Install {
    fn new(ctx: &Ctx, root: &Path, archive: &Path) -> Result<Self> {
        Ok(Install {
            root: root.to_owned(),
            archive: archive.to_owned(),
            readme: std::fs::read_to_string(ctx.root.join(README))?,
            transcript: String::new(),
            server_port: free_port()?,
            tls_port: free_port()?,
            http_port: free_port()?,
            caddy_port: free_port()?,
            server: None,
            nginx: None,
            caddy: None,
        })
    }

    /// A README path under the scratch root.
    fn here(&self, path: &str) -> String {
        relocate(path, &self.root)
    }

    fn check(&mut self, tally: &mut Tally, what: &str, result: Result<()>) -> Result<()> {
        match &result {
            Ok(()) => {
                tally.pass(SUITE);
                let _ = writeln!(self.transcript, "ok: {what}");
            }
            Err(e) => {
                tally.fail(SUITE);
                let _ = writeln!(self.transcript, "FAILED: {what}: {e:#}");
            }
        }
        result.with_context(|| format!("install-test: {what}"))
    }

    /// Runs `script` with sh, as the README's reader would, with its output in the transcript.
    fn sh(&mut self, shown: &str, script: &str, stdin: Option<&str>) -> Result<String> {
        self.shell("sh", shown, script, stdin)
    }

    fn shell(
        &mut self,
        shell: &str,
        shown: &str,
        script: &str,
        stdin: Option<&str>,
    ) -> Result<String> {
        let _ = writeln!(self.transcript, "$ {shown}");
        let mut child = Command::new(shell)
            .args(["-c", script])
            .current_dir(&self.root)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {shown}"))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(input.as_bytes())?;
        }
        let output = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for line in stdout.lines().chain(stderr.lines()) {
            let _ = writeln!(self.transcript, "  {line}");
        }
        if !output.status.success() {
            bail!("`{shown}` failed ({}): {stderr}", output.status);
        }
        Ok(stdout)
    }

    /// The README's `helpcenter-admin` shell function, as written but for `sudo -u
    /// helpcenter` and the paths; `args` after it.
    fn admin(&mut self, args: &str, stdin: Option<&str>) -> Result<String> {
        let line = self
            .readme
            .lines()
            .find(|l| l.starts_with("helpcenter-admin() {"))
            .context("the README defines no helpcenter-admin function")?
            .to_owned();
        let function = line.replacen("sudo -u helpcenter ", "", 1);
        ensure!(
            function != line,
            "the README's function no longer runs as helpcenter"
        );
        // Root's .bashrc, as the README says: bash (a name with a dash is no function to sh).
        let script = format!("{}\nhelpcenter-admin {args}", self.here(&function));
        self.shell("bash", &format!("helpcenter-admin {args}"), &script, stdin)
    }

    /// `curl` to the proxy over TLS, the self-signed certificate trusted and `HOST` resolved
    /// to loopback; `extra` are curl's own options.
    fn https(&mut self, path: &str, extra: &str) -> Result<String> {
        self.https_at(self.tls_port, path, extra)
    }

    /// `https` through the proxy listening on `port`.
    fn https_at(&mut self, port: u16, path: &str, extra: &str) -> Result<String> {
        let url = format!("https://{HOST}:{port}{path}");
        let script = format!(
            "curl -fsS --cacert {cert} --resolve {HOST}:{port}:127.0.0.1 {extra} '{url}'",
            cert = self.root.join("tls/cert.pem").display(),
        );
        self.sh(&format!("curl -fsS {extra} {url}"), &script, None)
    }

    /// The ticket's event stream through the proxy on `port` for 2 s: its events must come
    /// through at once (the proxy does not buffer the stream).
    fn stream(&mut self, port: u16, filed: &Filed) -> Result<()> {
        let header = self.root.join("shopper-header");
        std::fs::write(&header, format!("Authorization: Bearer {}\n", filed.token))?;
        let url = format!("https://{HOST}:{port}/v1/tickets/{}/events", filed.ticket);
        let script = format!(
            "curl -sSN --max-time 2 --cacert {cert} --resolve {HOST}:{port}:127.0.0.1 -H @{h} \
             '{url}'; test $? -eq 28",
            cert = self.root.join("tls/cert.pem").display(),
            h = header.display(),
        );
        let out = self.sh(
            &format!("curl -sSN --max-time 2 {url}   (the shopper's event stream)"),
            &script,
            None,
        )?;
        ensure!(
            out.contains("event: ticket") && out.contains("\"created\""),
            "the stream's events did not come through: {out}"
        );
        Ok(())
    }

    fn walk(&mut self, tally: &mut Tally) -> Result<()> {
        let result = self.install();
        self.check(tally, "the archive installs as the README says", result)?;
        let result = self.verify_unit();
        self.check(
            tally,
            "systemd-analyze verify finds nothing in the unit",
            result,
        )?;
        let result = self.configure_and_start();
        self.check(
            tally,
            "the server runs with the unit's ExecStart behind nginx with TLS",
            result,
        )?;
        let result = self
            .admin("keys rotate --overlap 0s", None)
            .and_then(|key| {
                self.admin(
                    "agents add --email wei@acme.example --name Wei --role owner",
                    Some("a long passphrase for Wei\n"),
                )?;
                Ok(key.trim().to_owned())
            });
        let admin_key = match result {
            Ok(key) => {
                self.check(
                    tally,
                    "admin commands run as the README writes them",
                    Ok(()),
                )?;
                key
            }
            Err(e) => {
                return self.check(
                    tally,
                    "admin commands run as the README writes them",
                    Err(e),
                );
            }
        };
        let filed = self.file_claim();
        let filed = match filed {
            Ok(filed) => {
                self.check(
                    tally,
                    "a claim with a photo is filed through the proxy",
                    Ok(()),
                )?;
                filed
            }
            Err(e) => return self.check(tally, "a claim is filed through the proxy", Err(e)),
        };
        let before = self.work_ticket(&admin_key, &filed);
        let before = match before {
            Ok(view) => {
                self.check(
                    tally,
                    "the admin view links the photo at the admin path, which opens with the admin key",
                    Ok(()),
                )?;
                view
            }
            Err(e) => return self.check(tally, "an agent works the claim", Err(e)),
        };
        let result = self.backup_and_restore(&admin_key, &filed, &before);
        self.check(
            tally,
            "a backup taken while serving restores to a server holding the ticket, its events and its photo",
            result,
        )?;
        let result = self.stream(self.tls_port, &filed);
        self.check(tally, "ticket events stream through nginx at once", result)?;
        let result = self.caddy(&filed);
        self.check(
            tally,
            "the Caddy example serves the widget, the API and the event stream",
            result,
        )
    }

    /// The archive's Caddyfile in front of the same server, with the test's certificate
    /// (Caddy would get one from Let's Encrypt for a real name) and ports. Debian's caddy.
    fn caddy(&mut self, filed: &Filed) -> Result<()> {
        let installed = Command::new("sh")
            .args(["-c", "command -v caddy"])
            .stdout(Stdio::null())
            .status()?
            .success();
        if !installed {
            bail!("caddy is not installed (Debian: apt-get install caddy)");
        }
        let shipped = std::fs::read_to_string(
            PathBuf::from(self.here("/opt/helpcenter-server/current")).join("etc/Caddyfile"),
        )?;
        let tls = self.root.join("tls");
        let caddy = self.root.join("caddy");
        std::fs::create_dir_all(&caddy)?;
        let mut file = replace_once(
            &shipped,
            "help.acme.example {",
            &format!(
                "https://{HOST}:{} {{\n\ttls {} {}",
                self.caddy_port,
                tls.join("cert.pem").display(),
                tls.join("key.pem").display()
            ),
            "etc/Caddyfile",
        )?;
        file = replace_once(
            &file,
            "reverse_proxy 127.0.0.1:8080 {",
            &format!("reverse_proxy 127.0.0.1:{} {{", self.server_port),
            "etc/Caddyfile",
        )?;
        // Global options for a test: no admin endpoint, no redirect listener on port 80.
        let file = format!(
            "{{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n}}\n\n{file}"
        );
        let path = caddy.join("Caddyfile");
        std::fs::write(&path, file)?;
        let env = format!(
            "XDG_DATA_HOME={d} XDG_CONFIG_HOME={d} HOME={d}",
            d = caddy.display()
        );
        // Its log lines are JSON; what it says of the file is the last line.
        self.sh(
            "caddy validate --adapter caddyfile --config Caddyfile",
            &format!(
                "out=$({env} caddy validate --adapter caddyfile --config {} 2>&1); rc=$?; \
                 printf '%s\\n' \"$out\" | tail -n 1; exit $rc",
                path.display()
            ),
            None,
        )?;
        let _ = writeln!(
            self.transcript,
            "$ caddy run --adapter caddyfile --config Caddyfile"
        );
        let log = std::fs::File::create(caddy.join("caddy.log"))?;
        self.caddy = Some(
            Command::new("caddy")
                .args(["run", "--adapter", "caddyfile", "--config"])
                .arg(&path)
                .env("XDG_DATA_HOME", &caddy)
                .env("XDG_CONFIG_HOME", &caddy)
                .env("HOME", &caddy)
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .context("cannot start caddy")?,
        );
        let started = Instant::now();
        let port = self.caddy_port;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(
                started.elapsed() < Duration::from_secs(20),
                "caddy did not listen within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let ready = self.https_at(port, "/readyz", "")?;
        ensure!(
            ready.contains("\"ready\""),
            "/readyz through Caddy: {ready}"
        );
        let widget = self.https_at(port, "/widget/?site=acme", "-o /dev/null -w '%{http_code}'")?;
        ensure!(
            widget.trim() == "200",
            "the widget's page through Caddy: {widget}"
        );
        self.stream(port, filed)
    }

    fn install(&mut self) -> Result<()> {
        for dir in ROOTS {
            std::fs::create_dir_all(self.here(dir))?;
        }
        let archive = self.archive.display().to_string();
        let name = self
            .archive
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".tar.gz"))
            .context("the archive's name")?
            .to_owned();
        // The README's install block, line by line, for this archive and these paths.
        let block = sh_block_after(&self.readme, "**Install**")?;
        for line in block.lines() {
            if line.starts_with("sudo useradd") {
                let _ = writeln!(self.transcript, "(skipped: {line})");
                continue;
            }
            let command = self
                .here(&line.replace("sudo ", ""))
                .replace("helpcenter-server-0.1.0-x86_64-linux.tar.gz", &archive)
                .replace("helpcenter-server-0.1.0-x86_64-linux", &name)
                .replace(" -g helpcenter", "");
            // The unit goes beside the config here: /etc/systemd/system is the machine's.
            let command = command.replace(
                "/etc/systemd/system/",
                &format!("{}/", self.here("/etc/helpcenter-server")),
            );
            self.sh(&command, &command, None)?;
        }
        let current = PathBuf::from(self.here("/opt/helpcenter-server/current"));
        ensure!(
            current.join("bin/helpcenter-server").is_file(),
            "no bin/helpcenter-server under {}",
            current.display()
        );
        Ok(())
    }

    /// The unit as installed, its ExecStart's paths those of this install (systemd-analyze
    /// checks that the program exists).
    fn unit(&self) -> Result<String> {
        let shipped = std::fs::read_to_string(
            PathBuf::from(self.here("/etc/helpcenter-server")).join("helpcenter-server.service"),
        )?;
        Ok(self.here(&shipped))
    }

    fn verify_unit(&mut self) -> Result<()> {
        let available = Command::new("sh")
            .args(["-c", "command -v systemd-analyze"])
            .stdout(Stdio::null())
            .status()?
            .success();
        if !available {
            let _ = writeln!(
                self.transcript,
                "(systemd-analyze is not on this machine: the unit is not verified)"
            );
            return Ok(());
        }
        let dir = self.root.join("unit");
        std::fs::create_dir_all(&dir)?;
        let unit = dir.join("helpcenter-server.service");
        std::fs::write(&unit, self.unit()?)?;
        let out = self.sh(
            "systemd-analyze verify helpcenter-server.service",
            &format!("systemd-analyze verify {} 2>&1", unit.display()),
            None,
        )?;
        ensure!(out.trim().is_empty(), "systemd-analyze verify said: {out}");
        Ok(())
    }

    fn configure_and_start(&mut self) -> Result<()> {
        // Configure: the README's settings for this machine's ports; no [smtp] (mail waits
        // in the outbox), the identity secret in the environment file.
        let config_path =
            PathBuf::from(self.here("/etc/helpcenter-server")).join("helpcenter-server.toml");
        let shipped = std::fs::read_to_string(&config_path)?;
        let public = format!("https://{HOST}:{}", self.tls_port);
        let mut config = self.here(&shipped);
        for (from, to) in [
            (
                "bind = \"127.0.0.1:8080\"".to_owned(),
                format!("bind = \"127.0.0.1:{}\"", self.server_port),
            ),
            (
                "public_url = \"https://help.acme.example\"".to_owned(),
                format!("public_url = \"{public}\""),
            ),
            (
                "public_origin = \"https://help.acme.example\"".to_owned(),
                format!("public_origin = \"{public}\""),
            ),
        ] {
            config = replace_once(&config, &from, &to, "the installed config")?;
        }
        let smtp = config
            .find("\n[smtp]\n")
            .context("the config has an [smtp] table")?;
        let sites = config
            .find("\n# One [[sites]]")
            .context("the config's [[sites]]")?;
        config.replace_range(smtp..sites, "\n");
        std::fs::write(&config_path, config)?;
        let env = PathBuf::from(self.here("/etc/helpcenter-server")).join("env");
        std::fs::write(
            &env,
            "ACME_HELPCENTER_IDENTITY_SECRET=an-identity-secret-for-the-install-test\n",
        )?;

        // TLS in front: a self-signed certificate, nginx with the archive's site.
        let tls = self.root.join("tls");
        std::fs::create_dir_all(&tls)?;
        self.sh(
            "openssl req -x509 … (a self-signed certificate for help.acme.example)",
            &format!(
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                 -days 2 -subj /CN={HOST} -addext subjectAltName=DNS:{HOST} \
                 -keyout {dir}/key.pem -out {dir}/cert.pem 2>&1",
                dir = tls.display()
            ),
            None,
        )?;
        let site = std::fs::read_to_string(
            PathBuf::from(self.here("/opt/helpcenter-server/current")).join("etc/nginx.conf"),
        )?;
        let mut site = site;
        for (from, to) in [
            (
                "listen 443 ssl http2;".to_owned(),
                format!("listen 127.0.0.1:{} ssl http2;", self.tls_port),
            ),
            ("listen [::]:443 ssl http2;".to_owned(), String::new()),
            (
                "listen 80;".to_owned(),
                format!("listen 127.0.0.1:{};", self.http_port),
            ),
            ("listen [::]:80;".to_owned(), String::new()),
            (
                "/etc/letsencrypt/live/help.acme.example/fullchain.pem".to_owned(),
                tls.join("cert.pem").display().to_string(),
            ),
            (
                "/etc/letsencrypt/live/help.acme.example/privkey.pem".to_owned(),
                tls.join("key.pem").display().to_string(),
            ),
            (
                "proxy_pass http://127.0.0.1:8080;".to_owned(),
                format!("proxy_pass http://127.0.0.1:{};", self.server_port),
            ),
        ] {
            site = replace_once(&site, &from, &to, "etc/nginx.conf")?;
        }
        let nginx = self.root.join("nginx");
        std::fs::create_dir_all(nginx.join("sites-enabled"))?;
        std::fs::write(nginx.join("sites-enabled/helpcenter-server.conf"), site)?;
        let n = nginx.display();
        std::fs::write(
            nginx.join("nginx.conf"),
            format!(
                "# Debian's /etc/nginx/nginx.conf, cut to what this test needs.\n\
                 user root;\nworker_processes 1;\npid {n}/nginx.pid;\nerror_log {n}/error.log;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n  access_log {n}/access.log;\n  client_body_temp_path {n}/body;\n\
                 proxy_temp_path {n}/proxy;\n  fastcgi_temp_path {n}/fastcgi;\n\
                 uwsgi_temp_path {n}/uwsgi;\n  scgi_temp_path {n}/scgi;\n\
                 include {n}/sites-enabled/*;\n}}\n"
            ),
        )?;
        let conf = nginx.join("nginx.conf").display().to_string();
        self.sh("nginx -t", &format!("nginx -t -p {n} -c {conf} 2>&1"), None)?;
        let _ = writeln!(self.transcript, "$ nginx (in the foreground, for the test)");
        self.nginx = Some(
            Command::new("nginx")
                .args(["-p", &n.to_string(), "-c", &conf, "-g", "daemon off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("cannot start nginx")?,
        );
        self.start_server()?;
        let ready = self.https("/readyz", "")?;
        ensure!(
            ready.contains("\"ready\""),
            "/readyz through the proxy: {ready}"
        );
        let redirect = self.sh(
            "curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' http://help.acme.example/",
            &format!(
                "curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' \
                 --resolve {HOST}:{p}:127.0.0.1 http://{HOST}:{p}/",
                p = self.http_port
            ),
            None,
        )?;
        ensure!(
            redirect.starts_with("301 https://help.acme.example"),
            "plain HTTP is sent to HTTPS: {redirect}"
        );
        let widget = self.https("/widget/?site=acme", "-o /dev/null -w '%{http_code}'")?;
        ensure!(widget.trim() == "200", "the widget's page: {widget}");
        let embed = self.https("/embed.js", "-o /dev/null -w '%{http_code}'")?;
        ensure!(embed.trim() == "200", "embed.js: {embed}");
        let console = self.https("/console/", "-o /dev/null -w '%{http_code}'")?;
        ensure!(console.trim() == "200", "the console: {console}");
        Ok(())
    }

    /// The unit's ExecStart, as systemd would run it: its EnvironmentFile's variables, the
    /// root directory as the working directory, output to the journal (a file here).
    fn start_server(&mut self) -> Result<()> {
        let unit = self.unit()?;
        let exec = unit
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .context("the unit has no ExecStart")?
            .to_owned();
        let env_file = unit
            .lines()
            .find_map(|l| l.strip_prefix("EnvironmentFile="))
            .map(|f| f.trim_start_matches('-').to_owned());
        let mut words = exec.split_whitespace();
        let program = words.next().context("an empty ExecStart")?;
        let mut command = Command::new(program);
        command.args(words).current_dir("/").env_clear();
        command.env("PATH", "/usr/local/bin:/usr/bin:/bin");
        if let Some(file) = &env_file {
            for line in std::fs::read_to_string(file)?.lines() {
                if let Some((name, value)) = line.split_once('=') {
                    command.env(name, value);
                }
            }
        }
        let log = std::fs::File::create(self.root.join("server.log"))?;
        let _ = writeln!(self.transcript, "$ {exec}   (the unit's ExecStart)");
        self.server = Some(
            command
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("cannot start {program}"))?,
        );
        let started = Instant::now();
        let direct = format!("http://127.0.0.1:{}/readyz", self.server_port);
        loop {
            let ok = Command::new("curl")
                .args(["-fsS", "-o", "/dev/null", &direct])
                .stderr(Stdio::null())
                .status()?
                .success();
            if ok {
                break;
            }
            if let Some(child) = self.server.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("the server exited ({status})");
            }
            ensure!(
                started.elapsed() < Duration::from_secs(60),
                "the server was not ready within 60 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = std::fs::read_to_string(self.root.join("server.log"))?;
        for line in log
            .lines()
            .filter(|l| l.contains("listening") || l.contains("Widget of"))
        {
            let _ = writeln!(self.transcript, "  {}", line.trim());
        }
        Ok(())
    }

    /// SIGTERM, as `systemctl stop` sends it; the server finishes and exits.
    fn stop_server(&mut self) -> Result<()> {
        let Some(mut child) = self.server.take() else {
            return Ok(());
        };
        let _ = writeln!(
            self.transcript,
            "$ kill -TERM {}   (systemctl stop)",
            child.id()
        );
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                let _ = writeln!(self.transcript, "  the server exited ({status})");
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                bail!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop_all(&mut self) {
        let _ = self.stop_server();
        if let Some(mut caddy) = self.caddy.take() {
            let _ = caddy.kill();
            let _ = caddy.wait();
        }
        if let Some(mut nginx) = self.nginx.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &nginx.id().to_string()])
                .status();
            let _ = nginx.wait();
        }
    }

    fn file_claim(&mut self) -> Result<Filed> {
        let photo = helpcenter_media::samples::png(800, 600, 7);
        let photo_sha256 = hex(&Sha256::digest(&photo));
        let photo_path = self.root.join("label.png");
        std::fs::write(&photo_path, &photo)?;
        let b64 = |s: &str| base64_encode(s.as_bytes());
        let created = self.https(
            "/v1/uploads",
            &format!(
                "-X POST -D - -o /dev/null -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: {}' \
                 -H 'Upload-Metadata: site {},filename {}'",
                photo.len(),
                b64("acme"),
                b64("label.png")
            ),
        )?;
        let location = created
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("location")
                    .then(|| value.trim().to_owned())
            })
            .context("the upload's Location")?;
        let upload = location
            .rsplit('/')
            .next()
            .context("an upload id")?
            .to_owned();
        self.https(
            &location,
            &format!(
                "-X PATCH -o /dev/null -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
                 -H 'Content-Type: application/offset+octet-stream' --data-binary @{}",
                photo_path.display()
            ),
        )?;
        let claim = format!(
            r#"{{"category":"other","answers":[],"order_number":"10023456","description":"The gift card I ordered never showed up in my account.","email":"wei@example.com","uploads":["{upload}"],"locale":"en"}}"#
        );
        std::fs::write(self.root.join("claim.json"), &claim)?;
        let filed = self.https(
            "/v1/sites/acme/tickets",
            &format!(
                "-X POST -H 'Idempotency-Key: install-test-1' -H 'Content-Type: application/json' \
                 --data-binary @{}",
                self.root.join("claim.json").display()
            ),
        )?;
        let filed: serde_json::Value = serde_json::from_str(&filed)?;
        Ok(Filed {
            ticket: filed["ticket_id"]
                .as_str()
                .context("no ticket_id")?
                .to_owned(),
            token: filed["access_token"]
                .as_str()
                .context("no access_token")?
                .to_owned(),
            photo_sha256,
        })
    }

    fn admin_get(&mut self, key: &str, path: &str, extra: &str) -> Result<String> {
        // The key from a file, as curl reads headers: never on the command line.
        let header = self.root.join("admin-header");
        std::fs::write(&header, format!("Authorization: Bearer {key}\n"))?;
        self.https(path, &format!("-H @{} {extra}", header.display()))
    }

    /// An agent takes the claim in review and replies; the admin view's link to the photo
    /// opens with the admin key and gives the photo's bytes. The view, as the backup will hold it.
    fn work_ticket(&mut self, key: &str, filed: &Filed) -> Result<serde_json::Value> {
        let ticket = filed.ticket.clone();
        let out = self.admin(
            &format!("tickets transition {ticket} in_review --message 'We are looking at it'"),
            None,
        )?;
        ensure!(out.contains("\"in_review\""), "{out}");
        let view: serde_json::Value = serde_json::from_str(&self.admin_get(
            key,
            &format!("/v1/admin/tickets/{ticket}"),
            "",
        )?)?;
        let url = view["evidence"][0]["url"]
            .as_str()
            .context("the admin view lists no evidence")?
            .to_owned();
        ensure!(
            url.starts_with(&format!("/v1/admin/tickets/{ticket}/evidence/")),
            "the admin view links the photo at {url}, not at the admin path"
        );
        let fetched = self.root.join("fetched.png");
        self.admin_get(key, &url, &format!("-o {}", fetched.display()))?;
        let got = hex(&Sha256::digest(std::fs::read(&fetched)?));
        ensure!(
            got == filed.photo_sha256,
            "the admin path gave other bytes than the photo"
        );
        Ok(view)
    }

    fn backup_and_restore(
        &mut self,
        key: &str,
        filed: &Filed,
        before: &serde_json::Value,
    ) -> Result<()> {
        let backup = "/var/backups/helpcenter-server/2026-12-03";
        let out = self.admin(&format!("backup --to {}", self.here(backup)), None)?;
        ensure!(
            out.contains("1 ticket(s)") && out.contains("1 evidence file(s)"),
            "{out}"
        );
        // After the backup: a note the restore must take away.
        let ticket = filed.ticket.clone();
        self.admin(
            &format!("tickets message {ticket} 'Written after the backup' --internal"),
            None,
        )?;
        // The README's restore block: stop, restore, start.
        let block = sh_block_after(&self.readme, "To restore, stop the")?;
        ensure!(
            block.contains("systemctl stop") && block.contains("restore --from"),
            "the README's restore block: {block}"
        );
        self.stop_server()?;
        self.admin(
            &format!("restore --from {} --force", self.here(backup)),
            None,
        )?;
        self.start_server()?;
        let ready = self.https("/readyz", "")?;
        ensure!(ready.contains("\"ready\""), "{ready}");
        let after: serde_json::Value = serde_json::from_str(&self.admin_get(
            key,
            &format!("/v1/admin/tickets/{ticket}"),
            "",
        )?)?;
        ensure!(
            after["timeline"] == before["timeline"] && after["status"] == before["status"],
            "the restored ticket's events differ from the backup's:\n{}\n{}",
            after["timeline"],
            before["timeline"]
        );
        ensure!(
            after["timeline"]
                .as_array()
                .is_some_and(|events| events.len() >= 2),
            "the restored ticket has its filing and review: {}",
            after["timeline"]
        );
        ensure!(
            !after.to_string().contains("Written after the backup"),
            "the note written after the backup survived the restore"
        );
        let url = after["evidence"][0]["url"]
            .as_str()
            .context("the restored ticket lists no evidence")?
            .to_owned();
        let fetched = self.root.join("restored.png");
        self.admin_get(key, &url, &format!("-o {}", fetched.display()))?;
        ensure!(
            hex(&Sha256::digest(std::fs::read(&fetched)?)) == filed.photo_sha256,
            "the restored photo differs"
        );
        // The shopper's token still opens their ticket (the server's secrets came back).
        let token = self.root.join("shopper-header");
        std::fs::write(&token, format!("Authorization: Bearer {}\n", filed.token))?;
        let shopper = self.https(
            &format!("/v1/tickets/{ticket}"),
            &format!("-H @{}", token.display()),
        )?;
        ensure!(shopper.contains(&ticket), "{shopper}");
        Ok(())
    }
}

struct Filed {
    ticket: String,
    token: String,
    photo_sha256: String,
}

/// `text` with the README's absolute paths moved under `root`: each where a path starts, not
/// inside another (`current/etc/helpcenter-server.toml` is the archive's, and stays).
fn relocate(text: &str, root: &Path) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        let starts_path = out
            .chars()
            .last()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || "/._".contains(c)));
        for prefix in ROOTS {
            if starts_path && rest.starts_with(prefix) {
                out.push_str(&root.display().to_string());
                out.push_str(prefix);
                rest = &rest[prefix.len()..];
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

fn replace_once(text: &str, from: &str, to: &str, what: &str) -> Result<String> {
    let found = text.matches(from).count();
    ensure!(found == 1, "{what} has `{from}` {found} times, not once");
    Ok(text.replacen(from, to, 1))
}

/// The first ```sh block after `marker` in `readme`.
fn sh_block_after(readme: &str, marker: &str) -> Result<String> {
    let at = readme
        .find(marker)
        .with_context(|| format!("the README has no {marker:?}"))?;
    let rest = &readme[at..];
    let start = rest.find("```sh\n").context("no sh block after it")? + "```sh\n".len();
    let end = rest[start..].find("```").context("an unclosed block")?;
    Ok(rest[start..start + end].trim_end().to_owned())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_paths_move_under_the_root_and_nothing_else() {
        let root = Path::new("/tmp/x");
        assert_eq!(
            relocate(
                "ExecStart=/opt/helpcenter-server/current/bin/helpcenter-server serve --config /etc/helpcenter-server/helpcenter-server.toml --log-format plain",
                root
            ),
            "ExecStart=/tmp/x/opt/helpcenter-server/current/bin/helpcenter-server serve --config /tmp/x/etc/helpcenter-server/helpcenter-server.toml --log-format plain"
        );
        assert_eq!(
            relocate("/etc/nginx/sites-enabled/", root),
            "/etc/nginx/sites-enabled/"
        );
        assert_eq!(
            relocate(
                "install /opt/helpcenter-server/current/etc/helpcenter-server.toml /etc/helpcenter-server/",
                root
            ),
            "install /tmp/x/opt/helpcenter-server/current/etc/helpcenter-server.toml /tmp/x/etc/helpcenter-server/"
        );
        assert_eq!(
            relocate("EnvironmentFile=-/etc/helpcenter-server/env", root),
            "EnvironmentFile=-/tmp/x/etc/helpcenter-server/env"
        );
    }

    #[test]
    fn the_readme_has_the_blocks_this_test_follows() {
        let readme = include_str!("../../README.md");
        let install = sh_block_after(readme, "**Install**").expect("install block");
        assert!(install.contains("tar -xzf"), "{install}");
        assert!(install.contains("sha256sum --check"), "{install}");
        let restore = sh_block_after(readme, "To restore, stop the").expect("restore block");
        assert!(restore.contains("restore --from"), "{restore}");
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with("helpcenter-admin() {"))
        );
    }
}
