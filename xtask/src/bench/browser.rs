//! The browser, headless Chromium driven by `bench/browser.js` (playwright-core, from the
//! end-to-end suite's packages, installed if missing), at least 10 cold loads per figure:
//! - the demo storefront with the script tag against the same page without it;
//! - a launcher click until the first question takes clicks, and a step of the tree, against
//!   the same click opening the hello-world floor in an iframe and a click changing a text;
//! - checking 10 photos of 4 MB and a 100 MB video, with the longest main-thread task
//!   meanwhile, against reading and hashing the same files in plain JavaScript.
//!
//! The widget is served by the server as built for the server figures, on the demo site
//! ([`super::server::Bench`]); the pages and the floor by a static server next door, compressed
//! as the server sends the widget (brotli, else gzip), so both sides are fetched alike.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use helpcenter_media::samples::{Jpeg, jpeg, mp4_header};
use serde_json::Value;

use super::bytes::hello_world_dist;
use super::report::{Figure, Report, Row};
use super::server::{Bench, STORE};
use crate::cmd::{Ctx, Scratch};
use crate::{e2e, storefront, tools};

const SECTION: &str = "browser";
const FLOOR: &str = "127.0.0.1:8767";
const RUNS: &str = "10";

/// Each figure's unit and what its baseline is.
const FIGURES: [(&str, &str, &str); 10] = [
    (
        "store page: total blocking time",
        "ms",
        "the page without the script",
    ),
    (
        "store page: long tasks",
        "tasks",
        "the page without the script",
    ),
    (
        "store page: layout shift",
        "CLS",
        "the page without the script",
    ),
    (
        "store page: bytes fetched before interaction",
        "KB",
        "the page without the script",
    ),
    (
        "store page: load event",
        "ms",
        "the page without the script",
    ),
    (
        "launcher click to the first question interactive",
        "ms",
        "the same click opening a hello-world Leptos app",
    ),
    (
        "a step of the decision tree",
        "ms",
        "a click that changes a text",
    ),
    (
        "the next step of the tree (its code has run once)",
        "ms",
        "the same click again",
    ),
    (
        "checking 10 photos of 4 MB and a 100 MB video",
        "ms",
        "reading and hashing them in plain JS",
    ),
    (
        "checking: the longest main-thread task (0: none over 50 ms)",
        "ms",
        "reading and hashing them in plain JS",
    ),
];

pub fn measure(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let suite = ctx.root.join("tests").join("e2e");
    e2e::install_packages(ctx, &suite)?;
    let floor_dist = hello_world_dist(ctx)?;
    let bench = Bench::new(ctx)?;
    let server = bench.ours()?;
    let widget = format!("http://{}", server.addr);
    let pages = vec![
        ctx.root.join("public").join("demo"),
        ctx.root.join("bench").join("pages"),
    ];
    let _store = storefront::serve_compressed(pages, STORE.parse()?, widget.clone())?;
    let _floor = storefront::serve_compressed(vec![floor_dist], FLOOR.parse()?, widget)?;
    let files = Scratch::new("bench-files")?;
    let picked = evidence(files.path())?;
    let profiles = Scratch::new("bench-profiles")?;
    let out = ctx
        .cmd("node")
        .arg(ctx.root.join("bench").join("browser.js"))
        .env("NODE_PATH", suite.join("node_modules"))
        .env("HC_STORE", format!("http://{STORE}"))
        .env("HC_FLOOR_APP", format!("http://{FLOOR}/index.html"))
        .env("HC_FILES", picked.join("\n"))
        .env("HC_RUNS", RUNS)
        .env("HC_CHROMIUM", tools::CHROMIUM)
        .env("HC_CHROMIUM_FLAGS", tools::CHROMIUM_FLAGS.join(" "))
        .env("TMPDIR", profiles.path())
        .capture()?;
    let samples: BTreeMap<String, Value> =
        serde_json::from_str(&out).context("bench/browser.js printed no figures")?;
    for (what, unit, baseline_is) in FIGURES {
        let Some(sides) = samples.get(what) else {
            // `HC_ONLY` asked for one part of the bench: the others' rows are left out.
            if std::env::var_os("HC_ONLY").is_some() {
                continue;
            }
            anyhow::bail!("bench/browser.js measured no {what:?}");
        };
        let figure = |side: &str| -> Result<Figure> {
            let values: Vec<f64> = sides[side]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            Figure::of(&values).with_context(|| format!("no {side} samples of {what:?}"))
        };
        report.add(Row {
            section: SECTION,
            what: what.to_owned(),
            unit,
            ours: figure("ours")?,
            baseline_is: baseline_is.to_owned(),
            baseline: figure("baseline")?,
        });
    }
    Ok(())
}

/// Ten photos of 4 MB and a 100 MB video, as a phone names them; their paths.
fn evidence(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    let mut write = |name: String, bytes: Vec<u8>| -> Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        paths.push(path.display().to_string());
        Ok(())
    };
    let picture = camera_picture()?;
    for n in 0..10u8 {
        write(
            format!("IMG_{:04}.JPG", 3000 + u32::from(n)),
            as_taken(&picture, n),
        )?;
    }
    let mut video = mp4_header(40);
    video.resize(100_000_000, 0);
    write("VID_3010.MP4".to_owned(), video)?;
    Ok(paths)
}

/// A 12 MP picture (4000×3000) encoded as a phone's camera does, about 4 MB: four megabytes of
/// picture data for a decoder to read, where the crate's samples have a flat picture and
/// make their size with comments. Soft light across the frame and a fine texture, so it
/// compresses like a photo, not like a flat card or like noise.
fn camera_picture() -> Result<Vec<u8>> {
    const WIDTH: u32 = 4000;
    const HEIGHT: u32 = 3000;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut rgb = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            // xorshift: the texture, the same on every run.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let grain = (seed % 24) as i32 - 12;
            let light = (x * 160 / WIDTH + y * 60 / HEIGHT) as i32;
            for (channel, tint) in [40, 20, 0].into_iter().enumerate() {
                let wave = ((x / (7 + channel as u32) + y / 5) % 32) as i32;
                rgb.push((light + tint + wave + grain).clamp(0, 255) as u8);
            }
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&rgb, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
        .context("encoding the bench's photo")?;
    Ok(out)
}

/// `picture` as photo `n` of a phone: its EXIF capture date (the crate's own segment) and a
/// comment of its number after the start, so that each photo hashes differently.
fn as_taken(picture: &[u8], n: u8) -> Vec<u8> {
    let exif = jpeg(&Jpeg {
        width: 8,
        height: 8,
        taken: Some("2026:11:20 12:00:00"),
        padding: 0,
        seed: n,
    });
    // The sample's segments up to its quantisation table: its APP1 (EXIF) and comment.
    let end = exif
        .windows(2)
        .position(|w| w == [0xFF, 0xDB])
        .unwrap_or(exif.len());
    let mut photo = exif[..end].to_vec();
    photo.extend_from_slice(&picture[2..]);
    photo
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench's photos are what it says: about 4 MB each of a 4000×3000 picture that
    /// decodes, dated by EXIF, each hashing differently.
    #[test]
    fn the_bench_photos_are_like_a_phones() {
        let picture = camera_picture().expect("encoded");
        let photos: Vec<Vec<u8>> = (0..2).map(|n| as_taken(&picture, n)).collect();
        for photo in &photos {
            assert!(
                (3_000_000..5_000_000).contains(&photo.len()),
                "{} bytes",
                photo.len()
            );
            let found = helpcenter_media::inspect_bytes(photo);
            assert_eq!((found.width, found.height), (Some(4000), Some(3000)));
            assert_eq!(found.captured_on, "2026-11-20".parse().ok());
            let decoded = helpcenter_media::decode::check_decodes(
                std::io::Cursor::new(photo),
                helpcenter_core::MediaType::Jpeg,
                50_000_000,
            );
            assert_eq!(decoded, Ok(Some((4000, 3000))));
        }
        assert_ne!(photos[0], photos[1]);
    }
}
