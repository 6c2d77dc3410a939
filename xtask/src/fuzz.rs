//! `cargo xtask fuzz [SECONDS]`: every parser of `helpcenter-media` run on mutated files for a
//! given time each (60 s by default), reporting executions, crashes and the slowest input per
//! MB. Not part of `cargo xtask test`.
//!
//! Why not cargo-fuzz: it needs a nightly toolchain (`-Z sanitizer`), and this machine has one
//! stable toolchain and no way to fetch another. So this is a coverage-blind mutation fuzzer
//! on stable: seeds are the real files `helpcenter_media::samples` writes (a JPEG with GPS
//! EXIF, a PNG, a decompression bomb, an MP4, a WebM, a WebP, a HEIC-like box tree), mutated
//! by bit flips, random bytes, interesting integers over length fields, truncation, splicing
//! and duplication; a panic is a crash (caught, the input written to `target/fuzz-crashes/`).

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use helpcenter_core::MediaType;
use helpcenter_media::samples;

use crate::cmd::Ctx;

/// One parser under test: its name and what it does with a file.
type Parser = (&'static str, fn(&[u8]));

const PARSERS: [Parser; 6] = [
    ("inspect (sniff, headers, EXIF day, duration)", |b| {
        std::hint::black_box(helpcenter_media::inspect_bytes(b));
    }),
    ("read_picture (JPEG, PNG, WebP, HEIC as each)", |b| {
        for kind in [
            MediaType::Jpeg,
            MediaType::Png,
            MediaType::Webp,
            MediaType::Heic,
        ] {
            std::hint::black_box(helpcenter_media::read_picture(
                &mut Cursor::new(b),
                b.len() as u64,
                kind,
            ));
        }
    }),
    ("mp4_duration and webm_duration", |b| {
        std::hint::black_box(helpcenter_media::mp4_duration(
            &mut Cursor::new(b),
            b.len() as u64,
        ));
        std::hint::black_box(helpcenter_media::webm_duration(
            &mut Cursor::new(b),
            b.len() as u64,
        ));
    }),
    ("tiff_capture_day (EXIF)", |b| {
        std::hint::black_box(helpcenter_media::tiff_capture_day(b));
    }),
    ("privacy::remove_private (GPS, serials)", |b| {
        for kind in [
            MediaType::Jpeg,
            MediaType::Png,
            MediaType::Webp,
            MediaType::Heic,
        ] {
            let mut file = Cursor::new(b.to_vec());
            let _ = helpcenter_media::privacy::remove_private(&mut file, b.len() as u64, kind);
        }
        let mut tiff = b.to_vec();
        std::hint::black_box(helpcenter_media::privacy::strip_tiff(&mut tiff));
    }),
    ("decode::check_decodes (image-rs, 50 MP cap)", |b| {
        for kind in [MediaType::Jpeg, MediaType::Png, MediaType::Webp] {
            let _ = helpcenter_media::decode::check_decodes(Cursor::new(b), kind, 4_000_000);
        }
    }),
];

/// Inputs at least this large count for the slowest time per MB.
const MIN_BYTES_PER_MB: usize = 64 * 1024;

fn seeds() -> Vec<Vec<u8>> {
    let jpeg = samples::Jpeg {
        width: 64,
        height: 48,
        taken: Some("2026:11:21 10:30:00"),
        ..samples::Jpeg::default()
    };
    vec![
        samples::jpeg(&jpeg),
        samples::jpeg_with_location(&jpeg, (48.85, 2.29), "SN-1"),
        samples::png(40, 30, 1),
        samples::png_bomb(3000, 3000),
        samples::mp4_header(12),
        samples::exif_with_location(Some("2026:11:21 10:30:00"), Some((1.0, 2.0)), Some("x")),
        // A WebM header and Segment with an Info holding a duration.
        vec![
            0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x82, 0x81, 0x77, 0x18, 0x53, 0x80, 0x67, 0x8E,
            0x15, 0x49, 0xA9, 0x66, 0x8B, 0x44, 0x89, 0x88, 0x40, 0xB1, 0x94, 0, 0, 0, 0, 0,
        ],
        // A WebP with a VP8X and an EXIF chunk.
        [
            &b"RIFF\x2A\0\0\0WEBPVP8X\x0A\0\0\0\x08\0\0\0\x3F\0\0\x2F\0\0EXIF\x08\0\0\0"[..],
            b"II*\0\x08\0\0\0",
        ]
        .concat(),
        // An ISO box tree like a HEIC's.
        [
            &b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x22meta\0\0\0\0"[..],
            b"\0\0\0\x0Epitm\0\0\0\0\0\x01\0\0\0\x08iinf",
        ]
        .concat(),
    ]
}

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    const INTERESTING: [u32; 8] = [0, 1, 7, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF];
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = rng.next() as u8;
            }
            2 if len >= 4 => {
                let at = rng.below(len - 3);
                let value = INTERESTING[rng.below(INTERESTING.len())];
                let bytes = if rng.below(2) == 0 {
                    value.to_be_bytes()
                } else {
                    value.to_le_bytes()
                };
                input[at..at + 4].copy_from_slice(&bytes);
            }
            3 if len > 0 => input.truncate(rng.below(len)),
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let n = rng.below(other.len() - from).min(4096);
                let at = rng.below(len + 1);
                input.splice(at..at, other[from..from + n].iter().copied());
            }
            5 if len > 0 => {
                let from = rng.below(len);
                let n = rng.below(len - from).min(4096);
                let piece = input[from..from + n].to_vec();
                for _ in 0..1 + rng.below(64) {
                    input.extend_from_slice(&piece);
                }
            }
            6 => {
                let at = rng.below(len + 1);
                input.insert(at, 0xFF);
            }
            _ if len > 8 => {
                let at = rng.below(len);
                let n = rng.below(len - at).min(64);
                input.drain(at..at + n);
            }
            _ => {}
        }
        input.truncate(8 * 1024 * 1024);
    }
}

pub fn run(ctx: &Ctx, args: &[String]) -> Result<()> {
    let seconds: u64 = match args.first() {
        None => 60,
        Some(text) => text
            .parse()
            .with_context(|| format!("`{text}` is not a number of seconds"))?,
    };
    let crashes_dir = ctx.root.join("target").join("fuzz-crashes");
    let seeds = seeds();
    // A panic is reported by the count below, not printed per input.
    std::panic::set_hook(Box::new(|_| {}));
    let mut total_crashes = 0;
    for (name, parse) in PARSERS {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        let started = Instant::now();
        let (mut runs, mut crashes) = (0u64, 0u32);
        let mut slowest = (Duration::ZERO, 0usize, 0f64);
        let mut longest = Duration::ZERO;
        let mut corpus = seeds.clone();
        while started.elapsed() < Duration::from_secs(seconds) {
            let mut input = corpus[rng.below(corpus.len())].clone();
            mutate(&mut rng, &seeds, &mut input);
            let t = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| parse(&input)));
            let took = t.elapsed();
            runs += 1;
            // Per MB only where that means something: on a few bytes, a scheduler tick
            // would read as seconds per MB.
            if input.len() >= MIN_BYTES_PER_MB {
                let per_mb = took.as_secs_f64() / (input.len() as f64 / 1e6);
                if per_mb > slowest.2 {
                    slowest = (took, input.len(), per_mb);
                }
            }
            longest = longest.max(took);
            if outcome.is_err() {
                crashes += 1;
                std::fs::create_dir_all(&crashes_dir)?;
                let file = crashes_dir.join(format!(
                    "{}-{runs}",
                    name.split(' ').next().unwrap_or("parser")
                ));
                std::fs::write(&file, &input)?;
            } else if corpus.len() < 256 && rng.below(16) == 0 {
                // Keep some survivors: mutations of mutations reach deeper.
                corpus.push(input);
            }
        }
        println!(
            "{name}: {runs} executions in {seconds} s, {crashes} crashes, slowest per MB \
             {:.3} s/MB ({:?} on {} bytes), longest run {longest:?}",
            slowest.2, slowest.0, slowest.1
        );
        total_crashes += crashes;
    }
    let _ = std::panic::take_hook();
    if total_crashes > 0 {
        bail!(
            "{total_crashes} inputs crashed a parser: see {}",
            crashes_dir.display()
        );
    }
    Ok(())
}
