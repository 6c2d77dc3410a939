//! `helpcenter-server migrate-store`: a one-machine deployment (a real server on SQLite and
//! evidence files, claims filed over HTTP with photos) moved up, then a server on the target
//! serving what shoppers and agents had, byte for byte.
//!
//! With `cargo xtask test-postgres` the target is the PostgreSQL database and S3 bucket the
//! harness gives each data directory (`support::database_url`, `support::evidence_url`), as
//! the README's "Moving up from one machine" does it. On plain `cargo test` (no PostgreSQL
//! here) the same tests move the deployment into another SQLite file and another evidence
//! directory: every step but the engines is the same, and the tests say which they ran on.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use helpcenter_api::{NewTicket, TicketCreated};
use helpcenter_core::Claim;
use helpcenter_media::samples::png;
use serde_json::{Value, json};

const ADMIN_KEY: &str = "migrate-store-admin-key";
const README: &str = include_str!("../../../README.md");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn write_config(dir: &Path) -> PathBuf {
    let config = dir.join("helpcenter.toml");
    std::fs::write(
        &config,
        format!(
            "[server.rate_limits]\nper_ip_per_second = 100000\nper_ip_burst = 100000\n\
             per_site_per_second = 100000\nper_site_burst = 100000\n\n\
             [[sites]]\nkey = \"demo\"\ndisplay_name = \"Demo Store\"\n\
             allowed_origins = [\"http://localhost\"]\nadmin_key_sha256 = \"{}\"\n",
            helpcenter_server::auth::sha256_hex(ADMIN_KEY)
        ),
    )
    .expect("write the config");
    config
}

/// Where a deployment keeps tickets and evidence, as `--database-url` and `--evidence-store`
/// name them.
#[derive(Clone, Debug)]
struct Stores {
    database: String,
    evidence: String,
}

impl Stores {
    /// A one-machine deployment: SQLite and files in the data directory, whatever the run.
    fn one_machine(data_dir: &Path) -> Stores {
        Stores {
            database: format!("sqlite://{}", data_dir.join("helpcenter.db").display()),
            evidence: format!("file://{}", data_dir.join("uploads/evidence").display()),
        }
    }

    /// What the deployment moves up to: the PostgreSQL database and S3 prefix of its own the
    /// harness gives `data_dir` under `cargo xtask test-postgres`; else another SQLite file
    /// and directory (`data_dir` is then the new server's data directory, which holds them).
    fn scaled(data_dir: &Path) -> Stores {
        let one = Stores::one_machine(data_dir);
        Stores {
            database: support::database_url(data_dir).unwrap_or(one.database),
            evidence: support::evidence_url(data_dir).unwrap_or(one.evidence),
        }
    }
}

fn engines() -> &'static str {
    match (support::on_postgres(), support::on_s3()) {
        (true, true) => "PostgreSQL + S3",
        (true, false) => "PostgreSQL + files",
        (false, true) => "SQLite + S3",
        (false, false) => {
            "SQLite + files (no HELPCENTER_TEST_POSTGRES: `cargo xtask test-postgres` moves into PostgreSQL + S3)"
        }
    }
}

/// `helpcenter-server serve` as a process on `stores`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Server {
    async fn start(data_dir: &Path, config: &Path, stores: &Stores) -> Server {
        let port = free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .expect("the server's log");
        let child = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", &stores.database])
            .args(["--evidence-store", &stores.evidence])
            .env_remove("HELPCENTER_DATABASE_URL")
            .env_remove("HELPCENTER_EVIDENCE_STORE")
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().map_or_else(|_| Stdio::null(), Stdio::from))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start helpcenter-server");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..200 {
            if reqwest::get(server.url("/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the server did not come up: {}",
            std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default()
        );
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, as systemd stops it, and wait until it has exited.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop within 10 s of SIGTERM");
    }

    async fn upload(&self, name: &str, bytes: &[u8]) -> String {
        support::upload_at(&self.http, &self.base, "demo", name, bytes).await
    }

    async fn file(&self, key: &str, claim: &NewTicket) -> reqwest::Response {
        self.http
            .post(self.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", key)
            .json(claim)
            .send()
            .await
            .expect("file a claim")
    }

    async fn shopper_view(&self, id: &str, token: &str) -> Value {
        let response = self
            .http
            .get(self.url(&format!("/v1/tickets/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("the shopper's view");
        assert_eq!(response.status(), 200, "the shopper opens {id}");
        response.json().await.expect("json")
    }

    async fn agent_view(&self, id: &str) -> Value {
        let response = self
            .http
            .get(self.url(&format!("/v1/admin/tickets/{id}")))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .expect("the agent's view");
        assert_eq!(response.status(), 200, "the agent opens {id}");
        response.json().await.expect("json")
    }

    /// A file of the ticket, as the shopper (with the token) or the agent (without) downloads it.
    async fn download(&self, id: &str, upload: &str, token: Option<&str>) -> Vec<u8> {
        let (path, bearer) = match token {
            Some(token) => (format!("/v1/tickets/{id}/evidence/{upload}"), token),
            None => (
                format!("/v1/admin/tickets/{id}/evidence/{upload}"),
                ADMIN_KEY,
            ),
        };
        let response = self
            .http
            .get(self.url(&path))
            .bearer_auth(bearer)
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), 200, "{path}");
        response.bytes().await.expect("the file").to_vec()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn claim(category: &str, answers: &[&str], email: &str, uploads: Vec<String>) -> NewTicket {
    NewTicket {
        claim: Claim {
            category: category.into(),
            answers: answers.iter().map(|a| a.to_string()).collect(),
            order_number: "#10023456".into(),
            description: "The blender stopped working after two days; the motor hums but the \
                          blade does not turn."
                .into(),
            email: email.into(),
            ..Claim::default()
        },
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// A ticket as filed: what its shopper holds and what they uploaded.
struct Filed {
    key: String,
    claim: NewTicket,
    created: TicketCreated,
    photos: Vec<(String, Vec<u8>)>,
}

/// Files a claim with one photo (PNG, `seed` makes it its own) and returns it.
async fn file_with_photo(server: &Server, key: &str, seed: u8, category: &str) -> Filed {
    let photo = png(640 + u32::from(seed), 480, seed);
    let upload = server.upload(&format!("photo-{seed}.png"), &photo).await;
    let answers: &[&str] = if category == "product_quality" {
        &["fault", "as_instructed"]
    } else {
        &[]
    };
    let claim = claim(
        category,
        answers,
        &format!("shopper{seed}@example.com"),
        vec![upload.clone()],
    );
    let response = server.file(key, &claim).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    Filed {
        key: key.to_owned(),
        claim,
        created: response.json().await.expect("created"),
        photos: vec![(upload, photo)],
    }
}

/// Runs `helpcenter-server ARGS` (migrate-store) with no HELPCENTER_* settings of the run's
/// own, returning what it printed and how long it took.
fn run(args: &[String]) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(args)
        .env_remove("HELPCENTER_DATABASE_URL")
        .env_remove("HELPCENTER_EVIDENCE_STORE")
        .env_remove("HELPCENTER_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run migrate-store");
    (output, started.elapsed())
}

fn migrate(data_dir: &Path, to: &Stores) -> Vec<String> {
    [
        "migrate-store",
        "--data-dir",
        &data_dir.display().to_string(),
        "--to",
        &to.database,
        "--to-evidence",
        &to.evidence,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn printed(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The README's "Moving up from one machine" command, as a merchant copies it: the words
/// from `migrate-store` on, with the README's data directory, database and bucket replaced
/// by the test's.
fn readme_command(data_dir: &Path, to: &Stores) -> Vec<String> {
    let lines: Vec<&str> = README.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("migrate-store --data-dir"))
        .expect("the README shows the migrate-store command");
    let mut command = String::new();
    for line in &lines[start..] {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(head) => {
                command.push_str(head);
                command.push(' ');
            }
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    let words: Vec<String> = command
        .split_whitespace()
        .skip_while(|w| *w != "migrate-store")
        .map(|w| w.trim_matches('"').to_owned())
        .collect();
    let replaced: Vec<String> = words
        .iter()
        .map(|w| match w.as_str() {
            "/var/lib/helpcenter-server" => data_dir.display().to_string(),
            "postgres://helpcenter@db.internal/helpcenter?sslmode=require" => to.database.clone(),
            "s3://acme-helpcenter/evidence" => to.evidence.clone(),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(
        replaced.len(),
        7,
        "migrate-store, --data-dir, --to, --to-evidence and their values: {words:?}"
    );
    assert!(
        !replaced
            .iter()
            .any(|w| w.contains("example") || w.contains("internal")),
        "every placeholder of the README was replaced: {replaced:?}"
    );
    replaced
}

/// The rows-copied count the command printed for `table`.
fn copied(stdout: &str, table: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{table}: ")))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line for {table} in:\n{stdout}"))
}

#[tokio::test]
async fn a_deployment_moved_up_serves_every_claim_and_photo_as_before_and_a_second_run_copies_nothing()
 {
    println!("moving into {}", engines());
    let source = tempfile::tempdir().expect("temp dir");
    let target = tempfile::tempdir().expect("temp dir");
    let config = write_config(source.path());
    let one = Stores::one_machine(source.path());
    let server = Server::start(source.path(), &config, &one).await;

    // Shoppers file claims with photos; an agent works on one; a photo waits for its claim;
    // another is half uploaded when the server stops.
    let mut filed = Vec::new();
    for (i, category) in ["product_quality", "other", "product_quality"]
        .into_iter()
        .enumerate()
    {
        filed.push(file_with_photo(&server, &format!("claim-{i}"), 10 + i as u8, category).await);
    }
    let worked = filed[0].created.ticket_id.clone();
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        (
            "messages",
            json!({"body": "Thanks, Wei: we are sending a replacement blade."}),
        ),
        (
            "messages",
            json!({"body": "Blade batch 42 again; ask the supplier.", "internal": true}),
        ),
    ] {
        let response = server
            .http
            .post(server.url(&format!("/v1/admin/tickets/{worked}/{path}")))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .expect("the agent acts");
        assert_eq!(
            response.status(),
            200,
            "{path}: {:?}",
            response.text().await
        );
    }
    let waiting_photo = png(300, 200, 99);
    let waiting = server.upload("later.png", &waiting_photo).await;
    let half_photo = png(900, 700, 77);
    let half = half_photo.len() / 2;
    let created = server
        .http
        .post(server.url("/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", half_photo.len().to_string())
        .header("Upload-Metadata", "site ZGVtbw==,filename aGFsZi5wbmc=")
        .send()
        .await
        .expect("create an upload");
    assert_eq!(created.status(), 201);
    let half_location = created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let patched = server
        .http
        .patch(server.url(&half_location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(half_photo[..half].to_vec())
        .send()
        .await
        .expect("half the bytes");
    assert_eq!(patched.status(), 204);

    let mut before = Vec::new();
    for f in &filed {
        let id = &f.created.ticket_id;
        before.push((
            server.shopper_view(id, &f.created.access_token).await,
            server.agent_view(id).await,
        ));
    }
    server.stop();

    // The move, as the README writes it.
    let to = Stores::scaled(target.path());
    let command = readme_command(source.path(), &to);
    let (first, took) = run(&command);
    let (stdout, stderr) = printed(&first);
    println!("first run ({:.1} s):\n{stdout}{stderr}", took.as_secs_f64());
    assert!(first.status.success(), "{stdout}\n{stderr}");
    assert_eq!(copied(&stdout, "tickets"), 3, "{stdout}");
    assert_eq!(copied(&stdout, "ticket_events"), 6, "{stdout}");
    assert_eq!(copied(&stdout, "uploads"), 5, "{stdout}");
    assert!(copied(&stdout, "upload_parts") >= 1, "{stdout}");
    assert!(stdout.contains("evidence: 5 objects copied"), "{stdout}");
    assert!(stdout.contains("verified: "), "{stdout}");
    assert!(
        !stdout.contains('\r'),
        "piped: plain lines, no rewritten line"
    );

    // A server on the target: shoppers and agents see what they saw, photos byte for byte.
    let config_after = write_config(target.path());
    let server = Server::start(target.path(), &config_after, &to).await;
    for (f, (shopper, agent)) in filed.iter().zip(&before) {
        let id = &f.created.ticket_id;
        assert_eq!(
            &server.shopper_view(id, &f.created.access_token).await,
            shopper,
            "the shopper's view of {id}, timeline and evidence list included"
        );
        assert_eq!(
            &server.agent_view(id).await,
            agent,
            "the agent's view of {id}"
        );
        for (upload, bytes) in &f.photos {
            assert_eq!(
                &server
                    .download(id, upload, Some(&f.created.access_token))
                    .await,
                bytes,
                "the shopper's photo {upload} of {id}, byte for byte"
            );
            assert_eq!(
                &server.download(id, upload, None).await,
                bytes,
                "the agent's download of {upload}"
            );
        }
    }
    // A claim retried after the move is the same ticket with the same token: the server
    // secret came along.
    let retried = server.file(&filed[1].key, &filed[1].claim).await;
    assert!(retried.status().is_success(), "{}", retried.status());
    let retried: TicketCreated = retried.json().await.expect("json");
    assert_eq!(retried.ticket_id, filed[1].created.ticket_id);
    assert_eq!(retried.access_token, filed[1].created.access_token);
    // The photo that waited is filed with a new claim; the half upload resumes where it was.
    let later = server
        .file(
            "after-the-move",
            &claim("other", &[], "late@example.com", vec![waiting.clone()]),
        )
        .await;
    assert_eq!(later.status(), 201, "{:?}", later.text().await);
    let later: TicketCreated = later.json().await.expect("json");
    assert_eq!(
        server
            .download(&later.ticket_id, &waiting, Some(&later.access_token))
            .await,
        waiting_photo
    );
    let head = server
        .http
        .head(server.url(&half_location))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["upload-offset"], half.to_string().as_str());
    let rest = server
        .http
        .patch(server.url(&half_location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", half.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(half_photo[half..].to_vec())
        .send()
        .await
        .expect("the other half");
    assert_eq!(rest.status(), 204, "the upload resumes on the new stores");
    server.stop();

    // The second run: the target holds the source's rows and files plus what was done since,
    // which it refuses to count as the source's…
    let (again, _) = run(&command);
    let (stdout, stderr) = printed(&again);
    assert!(!again.status.success(), "{stdout}");
    assert!(
        stderr.contains("error[migrate_store.target_not_empty]"),
        "the new deployment's own claims are not overwritten or taken for the old one's: {stderr}"
    );
}

/// A second run over an untouched copy copies nothing and verifies the same; a file lost or
/// changed on either side is named, with a failing exit, and never overwritten.
#[tokio::test]
async fn a_second_run_copies_nothing_and_a_lost_or_changed_file_is_reported() {
    println!("moving into {}", engines());
    let source = tempfile::tempdir().expect("temp dir");
    let target = tempfile::tempdir().expect("temp dir");
    let config = write_config(source.path());
    let server = Server::start(source.path(), &config, &Stores::one_machine(source.path())).await;
    let a = file_with_photo(&server, "a", 1, "product_quality").await;
    let b = file_with_photo(&server, "b", 2, "other").await;
    server.stop();
    let to = Stores::scaled(target.path());
    let command = migrate(source.path(), &to);

    let (first, took) = run(&command);
    let (stdout, stderr) = printed(&first);
    println!("first run ({:.1} s):\n{stdout}{stderr}", took.as_secs_f64());
    assert!(first.status.success(), "{stdout}\n{stderr}");
    let (second, took) = run(&command);
    let (stdout, stderr) = printed(&second);
    println!(
        "second run ({:.1} s):\n{stdout}{stderr}",
        took.as_secs_f64()
    );
    assert!(second.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("done: copied nothing, the target held everything already"),
        "{stdout}"
    );
    assert_eq!(copied(&stdout, "tickets"), 0);
    assert!(stdout.contains("evidence: 0 objects to copy"), "{stdout}");

    // A photo changed in the target's store is named, never overwritten.
    let target_store = object_store_of(&to.evidence, target.path());
    let (photo_a, bytes_a) = &a.photos[0];
    let key = object_store::path::Path::from(photo_a.as_str());
    target_store
        .put(&key, b"not the shopper's photo".to_vec().into())
        .await
        .expect("change the copy");
    let (changed, _) = run(&command);
    let (stdout, stderr) = printed(&changed);
    assert!(!changed.status.success(), "{stdout}");
    assert!(
        stderr.contains("error[migrate_store.object_differs]")
            && stderr.contains(photo_a)
            && stderr.contains(&a.created.ticket_id),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line per problem: {stderr}");
    let kept = target_store.get(&key).await.expect("get").bytes().await;
    assert_eq!(kept.expect("bytes").as_ref(), b"not the shopper's photo");

    // Deleted from the target, it is copied again.
    target_store.delete(&key).await.expect("delete the copy");
    let (repaired, _) = run(&command);
    let (stdout, stderr) = printed(&repaired);
    assert!(repaired.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("evidence: 1 objects copied"), "{stdout}");
    let back = target_store.get(&key).await.expect("get").bytes().await;
    assert_eq!(back.expect("bytes").as_ref(), bytes_a.as_slice());

    // A photo the source has lost, or whose bytes changed on its disk, is reported.
    let (photo_b, _) = &b.photos[0];
    let evidence_dir = source.path().join("uploads/evidence");
    std::fs::remove_file(evidence_dir.join(photo_b)).expect("lose a file");
    let mut flipped = bytes_a.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    std::fs::write(evidence_dir.join(photo_a), &flipped).expect("change a file");
    let (lost, _) = run(&command);
    let (stdout, stderr) = printed(&lost);
    assert!(!lost.status.success(), "{stdout}");
    for (code, upload, ticket) in [
        ("object_missing", photo_b, &b.created.ticket_id),
        ("object_corrupt", photo_a, &a.created.ticket_id),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("error[migrate_store.{code}]"))
                    && l.contains(upload.as_str())
                    && l.contains(ticket.as_str())),
            "{code}: {stderr}"
        );
    }
    assert!(stdout.contains("NOT verified: "), "{stdout}");
}

/// A server running on the source, a table the copy does not know, or a target holding
/// another deployment's claims: each refused before anything is written.
#[tokio::test]
async fn a_running_source_an_unknown_table_or_a_foreign_target_is_refused_before_any_write() {
    println!("moving into {}", engines());
    let source = tempfile::tempdir().expect("temp dir");
    let other = tempfile::tempdir().expect("temp dir");
    let target = tempfile::tempdir().expect("temp dir");
    let config = write_config(source.path());
    let to = Stores::scaled(target.path());

    let server = Server::start(source.path(), &config, &Stores::one_machine(source.path())).await;
    file_with_photo(&server, "a", 1, "other").await;
    let (running, _) = run(&migrate(source.path(), &to));
    let (stdout, stderr) = printed(&running);
    assert!(!running.status.success(), "{stdout}");
    assert!(
        stderr.starts_with("error[migrate_store.source_in_use]"),
        "{stderr}"
    );
    server.stop();

    // A table a later version's migration added, which this version cannot know how to move.
    let db = source.path().join("helpcenter.db");
    sqlite(
        &db,
        "CREATE TABLE loyalty_points (id TEXT PRIMARY KEY, points INTEGER)",
    )
    .await;
    let (unknown, _) = run(&migrate(source.path(), &to));
    let (_, stderr) = printed(&unknown);
    assert!(!unknown.status.success());
    assert!(
        stderr.starts_with("error[migrate_store.unknown_table]")
            && stderr.contains("loyalty_points"),
        "{stderr}"
    );
    sqlite(&db, "DROP TABLE loyalty_points").await;
    assert_eq!(count_tickets(&to).await, 0, "nothing was written");

    let (moved, _) = run(&migrate(source.path(), &to));
    assert!(moved.status.success(), "{:?}", printed(&moved));

    // Another shop's deployment into the same target: refused, the target as it was.
    let other_config = write_config(other.path());
    let server = Server::start(
        other.path(),
        &other_config,
        &Stores::one_machine(other.path()),
    )
    .await;
    file_with_photo(&server, "b", 2, "other").await;
    server.stop();
    let (foreign, _) = run(&migrate(other.path(), &to));
    let (_, stderr) = printed(&foreign);
    assert!(!foreign.status.success());
    assert!(
        stderr.starts_with("error[migrate_store.target_not_empty]") && stderr.contains("tickets"),
        "{stderr}"
    );
    assert_eq!(
        count_tickets(&to).await,
        1,
        "the target holds only its own claim"
    );
}

async fn sqlite(db: &Path, sql: &str) {
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the source");
    sqlx::query(sql)
        .execute(&mut connection)
        .await
        .expect("change the schema");
    connection.close().await.expect("close");
}

/// The target's tickets; none when it has no database or no schema yet.
async fn count_tickets(stores: &Stores) -> i64 {
    if let Some(path) = stores.database.strip_prefix("sqlite://")
        && !Path::new(path).exists()
    {
        return 0;
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&stores.database)
        .await
        .expect("the target");
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    pool.close().await;
    n
}

/// The target's evidence store, opened as its servers open it.
fn object_store_of(url: &str, data_dir: &Path) -> std::sync::Arc<dyn object_store::ObjectStore> {
    let location = helpcenter_server::uploads::EvidenceLocation::parse(url, data_dir)
        .expect("an evidence URL");
    helpcenter_server::uploads::EvidenceStore::open(&location, data_dir)
        .expect("the store")
        .objects()
        .clone()
}
