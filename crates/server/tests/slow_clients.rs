//! Slow and greedy clients over real TCP: a request head sent half-way, idle sockets by the
//! thousand, and more connections than the server serves at once. None of them may hold the
//! server, and a real shopper's claim still goes through.

mod support;

use std::time::{Duration, Instant};

use helpcenter_media::samples::png;
use helpcenter_server::listen::ConnectionLimits;
use serde_json::json;
use support::{TestServer, UNLIMITED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn server(header_read_timeout_seconds: u64, max_connections: usize) -> TestServer {
    let limits = ConnectionLimits {
        header_read_timeout_seconds,
        max_connections,
    };
    TestServer::start_limited(UNLIMITED, limits, |_| {}).await
}

fn addr(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// How long until the server closes `stream`, reading (and dropping) whatever it sends.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

async fn file_a_claim(server: &TestServer) -> u16 {
    let photo = server.upload("blender.png", &png(800, 600, 7)).await;
    let claim = json!({
        "category": "product_quality",
        "answers": ["fault", "as_instructed"],
        "order_number": "#10023456",
        "description": "The blender stopped working after two days; the motor hums but the blade does not turn.",
        "email": "wei@example.com",
        "uploads": [photo],
        "locale": "en",
    });
    server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "slow-clients-claim")
        .json(&claim)
        .send()
        .await
        .expect("create ticket")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_half_sent_request_head_is_dropped_within_the_timeout() {
    let server = server(1, 64).await;
    let mut stream = TcpStream::connect(addr(&server)).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: shop.example\r\nX-Slow: ")
        .await
        .expect("send half a head");
    let closed = closed_within(&mut stream, Duration::from_secs(5)).await;
    let closed = closed.expect("a half-sent head was held open for 5 s with a 1 s timeout");
    assert!(
        closed >= Duration::from_millis(900),
        "closed after {closed:?}, before the client had its second"
    );
    // A client that says nothing at all is dropped the same way.
    let mut silent = TcpStream::connect(addr(&server)).await.expect("connect");
    assert!(
        closed_within(&mut silent, Duration::from_secs(5))
            .await
            .is_some(),
        "a silent connection was held open for 5 s with a 1 s timeout"
    );
}

#[tokio::test]
async fn a_thousand_idle_sockets_do_not_stop_a_real_claim() {
    let server = server(3, 4096).await;
    let mut idle = Vec::with_capacity(1000);
    for _ in 0..1000 {
        idle.push(TcpStream::connect(addr(&server)).await.expect("connect"));
    }
    let started = Instant::now();
    assert_eq!(file_a_claim(&server).await, 201);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the claim took {:?} beside 1,000 idle sockets",
        started.elapsed()
    );
    // And the idle ones are let go.
    let last = idle.last_mut().expect("1,000 sockets");
    assert!(
        closed_within(last, Duration::from_secs(8)).await.is_some(),
        "an idle socket was still open 8 s after its 3 s"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_an_idle_one_is_let_go() {
    let server = server(2, 4).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(addr(&server)).await.expect("connect"));
    }
    // Accepted by the kernel, served once a slot frees: when the idle ones time out.
    let started = Instant::now();
    let answer = server
        .http
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("served once a slot is free");
    assert_eq!(answer.status(), 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1500),
        "answered after {waited:?}: the cap of 4 connections did not hold"
    );
    drop(idle);
}
