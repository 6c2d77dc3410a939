//! Every container the crate reads, crafted to make its walk as long as possible, costs at most
//! a few times reading and hashing the same bytes: a hostile upload costs the server what an
//! honest one of its size does. (Before the walks were bounded together, an 18 MB WebM of
//! empty Void elements took 26 s of a debug server's CPU; an 18 MB JPEG took 1 s to upload.)

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use helpcenter_core::MediaType;
use helpcenter_media::samples;
use sha2::{Digest, Sha256};

/// Size of each crafted file: large enough that reading it is measurable.
const SIZE: usize = 8 * 1024 * 1024;
/// "A few times": generous, so a loaded machine does not make the test flaky; an unbounded
/// walk costs hundreds of times more.
const FACTOR: u32 = 5;
/// Below this, timings are noise (a cold page cache, a scheduler tick).
const SLACK: Duration = Duration::from_millis(150);

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("helpcenter-cost-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write");
    path
}

/// What reading the file from disk and hashing it costs: the floor any inspection pays.
fn read_and_hash(path: &Path) -> Duration {
    let started = Instant::now();
    let mut file = std::fs::File::open(path).expect("open");
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).expect("read");
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    std::hint::black_box(hasher.finalize());
    started.elapsed()
}

/// Inspects the crafted file, checks it is still typed as `kind` (the walk ran), and holds its
/// cost to the bound.
fn assert_costs_a_read(name: &str, bytes: &[u8], kind: MediaType) {
    assert!(bytes.len() >= SIZE, "{name}: {} bytes", bytes.len());
    let path = temp_file(name, bytes);
    // Warm the page cache, then take the best of three of each: the bound is about work, not
    // about the disk.
    let _ = read_and_hash(&path);
    let baseline = (0..3).map(|_| read_and_hash(&path)).min().expect("runs");
    let (parse, found) = (0..3)
        .map(|_| {
            let started = Instant::now();
            let found = helpcenter_media::inspect_file(&path).expect("inspect");
            (started.elapsed(), found)
        })
        .min_by_key(|(took, _)| *took)
        .expect("runs");
    std::fs::remove_file(&path).ok();
    println!("{name}: inspecting {parse:?}, reading and hashing {baseline:?}");
    assert_eq!(found.media_type, Some(kind), "{name}");
    assert!(
        parse <= baseline * FACTOR + SLACK,
        "{name}: inspecting took {parse:?}, reading and hashing {baseline:?}"
    );
}

fn repeat_until(mut file: Vec<u8>, piece: &[u8]) -> Vec<u8> {
    while file.len() < SIZE {
        file.extend_from_slice(piece);
    }
    file
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

#[test]
fn webm_of_empty_void_elements() {
    // The file that took 26 s: an EBML header, then millions of two-byte Void elements where
    // the Segment should be.
    let file = repeat_until(vec![0x1A, 0x45, 0xDF, 0xA3, 0x80], &[0xEC, 0x80]);
    assert_costs_a_read("void.webm", &file, MediaType::Webm);
    // A Segment of unknown size whose Info is buried behind empty elements.
    let mut segment = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0xFF];
    segment = repeat_until(segment, &[0xEC, 0x80]);
    assert_costs_a_read("segment.webm", &segment, MediaType::Webm);
}

#[test]
fn live_webm_whose_end_is_all_cluster_starts() {
    // A live recording (no Duration) whose last megabytes hold thousands of cluster starts,
    // each followed by tiny blocks and the next cluster, and a cut element at the very end: every
    // place where the last cluster could begin is a dead end.
    let header = vec![
        0x1A, 0x45, 0xDF, 0xA3, 0x80, // EBML header, empty
        0x18, 0x53, 0x80, 0x67, 0xFF, // Segment, unknown size
        0x15, 0x49, 0xA9, 0x66, 0x80, // Info, no Duration
    ];
    let mut piece = vec![0x1F, 0x43, 0xB6, 0x75, 0xFF, 0xE7, 0x81, 0x00];
    for _ in 0..300 {
        piece.extend_from_slice(&[0xA3, 0x84, 0x81, 0x00, 0x00, 0x80]);
    }
    let mut file = repeat_until(header, &piece);
    file.extend_from_slice(&[0xA3, 0x88, 0x81]);
    assert_costs_a_read("live.webm", &file, MediaType::Webm);
}

#[test]
fn mp4_and_mov_of_empty_boxes() {
    let file = repeat_until(
        mp4_box(b"ftyp", b"isom\0\0\0\0isommp41"),
        &mp4_box(b"free", b""),
    );
    assert_costs_a_read("boxes.mp4", &file, MediaType::Mp4);
    // A moov holding millions of empty boxes and no mvhd.
    let mut mov = mp4_box(b"ftyp", b"qt  \0\0\0\0");
    let inner = repeat_until(Vec::new(), &mp4_box(b"free", b""));
    mov.extend(mp4_box(b"moov", &inner));
    assert_costs_a_read("moov.mov", &mov, MediaType::Mov);
}

#[test]
fn jpeg_of_fill_bytes_and_empty_segments() {
    let fill = repeat_until(vec![0xFF, 0xD8], &[0xFF]);
    assert_costs_a_read("fill.jpg", &fill, MediaType::Jpeg);
    let segments = repeat_until(vec![0xFF, 0xD8], &[0xFF, 0xFE, 0x00, 0x02]);
    assert_costs_a_read("segments.jpg", &segments, MediaType::Jpeg);
    let junk = repeat_until(vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x02], &[0x20; 60]);
    assert_costs_a_read("junk.jpg", &junk, MediaType::Jpeg);
}

#[test]
fn png_of_empty_chunks() {
    let png = samples::png(8, 8, 1);
    let mut file = png[..33].to_vec(); // signature and IHDR
    file = repeat_until(file, b"\0\0\0\0tEXt\0\0\0\0");
    assert_costs_a_read("chunks.png", &file, MediaType::Png);
}

#[test]
fn webp_of_empty_chunks() {
    let mut file = b"RIFF\xFF\xFF\xFF\xFFWEBP".to_vec();
    file = repeat_until(file, b"EXIF\x00\x00\x00\x00");
    assert_costs_a_read("chunks.webp", &file, MediaType::Webp);
}

#[test]
fn heic_of_a_huge_meta_box() {
    // A meta box of empty item entries: the item tables are walked, but only so far.
    let mut file = mp4_box(b"ftyp", b"heic\0\0\0\0mif1heic");
    let mut iinf = vec![0, 0, 0, 0, 0xFF, 0xFF];
    iinf = repeat_until(iinf, &mp4_box(b"infe", &[2, 0, 0, 0, 0, 1, 0, 0]));
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(mp4_box(b"iinf", &iinf));
    file.extend(mp4_box(b"meta", &meta));
    assert_costs_a_read("meta.heic", &file, MediaType::Heic);
    // Or millions of empty boxes before any meta.
    let boxes = repeat_until(
        mp4_box(b"ftyp", b"heic\0\0\0\0mif1heic"),
        &mp4_box(b"free", b""),
    );
    assert_costs_a_read("boxes.heic", &boxes, MediaType::Heic);
}
