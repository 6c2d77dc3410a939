//! `cargo xtask device-files`: `helpcenter-media` reads photos and videos that real cameras,
//! phones and muxers wrote, and must agree with exiftool about each of them.
//!
//! The crate's own tests read only files its `samples` module writes (little-endian EXIF, tidy
//! boxes), so they cannot catch what a real device does differently: big-endian EXIF, maker
//! notes, MPO and Ultra HDR JPEGs, Photoshop's stray bytes, HEIC with hundreds of tiles or an
//! item larger than the picture, ffmpeg's WebM layout.
//!
//! **Where the files come from.** Test images that packages ship in their published archives,
//! fetched with each registry's own client at a pinned version, each archive's SHA-256 checked,
//! into `~/.cache/helpcenter-tools/device-files/` (outside the clone, never committed; a second
//! run reuses it): Pillow's and pillow-heif's sdists from PyPI (`Tests/images`,
//! `tests/images`), pymediainfo's sdist from PyPI, exif-parser and ebml from npm, and Debian's
//! golang-github-rwcarlsen-goexif-dev. Each file stays under its package's licence (Pillow:
//! MIT-CMU; pillow-heif: BSD-3-Clause; pymediainfo, exif-parser, ebml: MIT; goexif:
//! BSD-2-Clause); it is only read here. No package found on these registries ships an MP4 or MOV
//! from a phone or a WebM from a browser's MediaRecorder: their videos are muxer-made (L-SMASH,
//! FFmpeg), and [`FILES`] says so beside each. What a shopper's browser records is made here
//! instead: `xtask/device-files/record.js` has headless Chromium's own MediaRecorder record two
//! seconds as WebM (live: no duration in its header) and as MP4 (fragmented), into
//! `device-files/chromium-mediarecorder/`, again on each run so the files are the installed
//! Chromium's ([`RECORDINGS`]).
//!
//! **What agreement means**, field by field, with `exiftool -json -n -G1` as the reference:
//! - *type*: exiftool's MIME type, mapped to ours. MPO (a 3D camera's or phone's multi-picture
//!   JPEG) counts as JPEG: its first picture is a plain JPEG, which is what a browser shows and
//!   what the crate sniffs. A HEIF image sequence (a phone's burst) counts as HEIC.
//! - *size*, photos: exactly exiftool's `ImageWidth`×`ImageHeight` of the file (JPEG frame
//!   header, PNG IHDR, WebP canvas, HEIF primary item). Videos: the crate reads no frame size
//!   (the rules need only the duration) and must say none; exiftool's track size is not compared.
//! - *capture day*, photos: the date part of EXIF `DateTimeOriginal`, else of `CreateDate`
//!   (EXIF's DateTimeDigitized), the first that is a real day; none when neither is. XMP and
//!   QuickTime dates are not capture days for the crate (editors and muxers write them), so a
//!   photo whose only date is in XMP must give none. Videos: the crate reads no date, none.
//! - *duration*, videos: within 0.05 s of exiftool's `QuickTime:Duration` (the movie header) or
//!   `Matroska:Duration`. A live recording has none in its header and exiftool gives none: for
//!   the recordings made here, within 0.05 s of what Chromium's own player measures (it reads
//!   the blocks, as the crate does); for a file exiftool gives none and no player was asked,
//!   none. Photos: none, even for a HEIF burst that exiftool gives a duration: it is judged as
//!   a photo.
//!
//! Any other outcome is a disagreement: each is listed with both values and the command fails.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use helpcenter_core::{CivilDate, MediaType};
use helpcenter_media::Inspection;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::cmd::Ctx;
use crate::tally::Tally;
use crate::{e2e, tools};

/// How far the crate's duration may be from exiftool's: both divide the same integers, but
/// exiftool prints at most three decimals.
const DURATION_TOLERANCE_SECONDS: f64 = 0.05;

/// The tags asked of exiftool: what is compared, and what is shown beside it.
const EXIFTOOL_TAGS: [&str; 10] = [
    "-MIMEType",
    "-ImageWidth",
    "-ImageHeight",
    "-DateTimeOriginal",
    "-CreateDate",
    "-Duration",
    "-Make",
    "-Model",
    "-ExifByteOrder",
    "-FileType",
];

#[derive(Clone, Copy)]
enum Registry {
    PyPi,
    Npm,
    Debian,
}

/// A published archive and the device files inside it.
struct Package {
    registry: Registry,
    name: &'static str,
    version: &'static str,
    /// The file name the registry's client saves the archive as.
    archive: &'static str,
    sha256: &'static str,
    /// Each file's path inside the archive, and what wrote it.
    files: &'static [(&'static str, &'static str)],
}

/// The files read, by package. The devices are what the files' own EXIF says.
const FILES: [Package; 6] = [
    Package {
        registry: Registry::PyPi,
        name: "pillow",
        version: "12.0.0",
        archive: "pillow-12.0.0.tar.gz",
        sha256: "87d4f8125c9988bfbed67af47dd7a953e2fc7b0cc1e7800ec6d2080d490bb353",
        files: &[
            (
                "pillow-12.0.0/Tests/images/flower.jpg",
                "Canon PowerShot S40: little-endian EXIF, Canon maker notes",
            ),
            (
                "pillow-12.0.0/Tests/images/broken_exif_dpi.jpg",
                "Nikon D800: big-endian EXIF, Nikon maker notes",
            ),
            (
                "pillow-12.0.0/Tests/images/fujifilm.mpo",
                "Fujifilm FinePix REAL 3D W3: MPO, Fujifilm maker notes",
            ),
            (
                "pillow-12.0.0/Tests/images/sugarshack.mpo",
                "Nintendo 3DS: MPO, big-endian EXIF",
            ),
            (
                "pillow-12.0.0/Tests/images/ultrahdr.jpg",
                "Google Pixel 6: phone, Ultra HDR gain map, GPS",
            ),
            (
                "pillow-12.0.0/Tests/images/frame_size.mpo",
                "iPhone 14 Pro Max: phone, MPO, big-endian EXIF",
            ),
            (
                "pillow-12.0.0/Tests/images/empty_gps_ifd.jpg",
                "Xiaomi Redmi Note 9S: phone, big-endian EXIF, empty GPS IFD",
            ),
            (
                "pillow-12.0.0/Tests/images/iptc.jpg",
                "Nokia N70: phone, little-endian EXIF, IPTC",
            ),
            (
                "pillow-12.0.0/Tests/images/photoshop-200dpi-broken.jpg",
                "Adobe Photoshop CC 2017: big-endian EXIF, 16 stray bytes after APP13",
            ),
            (
                "pillow-12.0.0/Tests/images/truncated_app14.jpg",
                "Adobe Photoshop CS: big-endian EXIF, a stray byte after APP14",
            ),
            (
                "pillow-12.0.0/Tests/images/flower.webp",
                "Canon PowerShot S40's EXIF in an extended WebP",
            ),
            (
                "pillow-12.0.0/Tests/images/exif.png",
                "PNG with a big-endian eXIf chunk",
            ),
            (
                "pillow-12.0.0/Tests/images/broken.png",
                "PNG signature followed by noise, no IHDR (no device)",
            ),
        ],
    },
    Package {
        registry: Registry::PyPi,
        name: "pillow-heif",
        version: "1.1.1",
        archive: "pillow_heif-1.1.1.tar.gz",
        sha256: "f60e8c8a8928556104cec4fff39d43caa1da105625bdb53b11ce3c89d09b6bde",
        files: &[
            (
                "pillow_heif-1.1.1/tests/images/heif_other/pug.heic",
                "iPhone 13 Pro: grid of tiles, GPS",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_other/arrow.heic",
                "iPhone 8 Plus",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_other/empty_icc.heic",
                "iPhone XS: edited (cropped), a larger item beside the picture, GPS",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_other/spatial_photo.heic",
                "Apple Vision Pro: spatial photo, date only in XMP",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_special/xiaomi.heic",
                "Xiaomi M2012K11AG: phone, GPS",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_special/aux_YCbCr.heic",
                "Samsung Galaxy S25 Ultra: phone, auxiliary images, GPS",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_special/200MP.heic",
                "Samsung Galaxy S24 Ultra: 200 MP, hundreds of tiles",
            ),
            (
                "pillow_heif-1.1.1/tests/images/heif_other/nokia/bird_burst.heic",
                "Nokia: HEIF image sequence (burst)",
            ),
        ],
    },
    Package {
        registry: Registry::PyPi,
        name: "pymediainfo",
        version: "7.0.1",
        archive: "pymediainfo-7.0.1.tar.gz",
        sha256: "0d5df59ecc615e24c56f303b8f651579c6accab7265715e5d429186d7ba21514",
        files: &[(
            "pymediainfo-7.0.1/tests/data/sample.mp4",
            "MP4 muxed by L-SMASH, H.264 + AAC (no device)",
        )],
    },
    Package {
        registry: Registry::Npm,
        name: "exif-parser",
        version: "0.1.12",
        archive: "exif-parser-0.1.12.tgz",
        sha256: "b3eaa69cf318f4c9a483b7a19f17ceffd96dd2dcb03366f1c19d37b4d1156981",
        files: &[(
            "package/test/starfish.jpg",
            "Nokia Lumia 820: phone, big-endian EXIF",
        )],
    },
    Package {
        registry: Registry::Npm,
        name: "ebml",
        version: "3.0.0",
        archive: "ebml-3.0.0.tgz",
        sha256: "317966e5492b1dfa12a5bd12479062e61e4e9e9732f20641f5ec63a8fc491d10",
        files: &[(
            "package/media/test.webm",
            "WebM muxed by FFmpeg (Lavf53), VP8 (no browser recorder)",
        )],
    },
    Package {
        registry: Registry::Debian,
        name: "golang-github-rwcarlsen-goexif-dev",
        version: "0.0~git20190401.9e8deec-2",
        archive: "golang-github-rwcarlsen-goexif-dev_0.0~git20190401.9e8deec-2_all.deb",
        sha256: "807ff4c29f59ef6624a8e5b3454981ce1a05cefe1f0c4a53bfb005710b0338d7",
        files: &[
            (
                "usr/share/gocode/src/github.com/rwcarlsen/goexif/exif/sample1.jpg",
                "Nikon D2H: little-endian EXIF, Nikon maker notes",
            ),
            (
                "usr/share/gocode/src/github.com/rwcarlsen/goexif/exif/samples/has-lens-info.jpg",
                "iPhone 4S: phone, big-endian EXIF",
            ),
            (
                "usr/share/gocode/src/github.com/rwcarlsen/goexif/exif/samples/geodegrees_as_string.jpg",
                "HTC One M8: phone, big-endian EXIF, GPS",
            ),
        ],
    },
];

/// The videos `record.js` has Chromium's MediaRecorder write, and what is special about each.
const RECORDINGS: [(&str, &str); 2] = [
    (
        "mediarecorder.webm",
        "Chromium's MediaRecorder: live WebM, VP8 + Opus, no duration in the header",
    ),
    (
        "mediarecorder.mp4",
        "Chromium's MediaRecorder: fragmented MP4",
    ),
];

/// The suite the recordings count in.
const RECORDER: &str = "chromium-mediarecorder";

/// Fetches the packages (once), reads every file with `helpcenter_media` and with exiftool,
/// prints one line per file, and fails on any disagreement. Each file is one test of its
/// package's suite in `tally`.
pub fn run(ctx: &Ctx, tally: &mut Tally) -> Result<()> {
    tools::ensure_exiftool(ctx)?;
    let cache = ctx.tools_dir.join("device-files");
    let mut files: Vec<(String, &str, &str)> = Vec::new();
    for package in &FILES {
        let archive = fetch(ctx, &cache, package)?;
        let root = unpack(ctx, &cache, package, &archive)?;
        for (member, what) in package.files {
            let relative = root
                .strip_prefix(&cache)
                .context("unpacked outside the cache")?
                .join(member);
            files.push((relative.to_string_lossy().into_owned(), what, package.name));
        }
    }
    let played = record(ctx, &cache.join(RECORDER))?;
    for (name, what) in RECORDINGS {
        files.push((format!("{RECORDER}/{name}"), what, RECORDER));
    }
    let mut references = exiftool(ctx, &cache, files.iter().map(|(path, _, _)| path.as_str()))?;
    for (name, seconds) in played {
        if let Some(reference) = references.get_mut(&format!("{RECORDER}/{name}")) {
            reference.played_seconds = Some(seconds);
        }
    }
    let mut disagreements = Vec::new();
    for (path, what, package) in &files {
        let ours = helpcenter_media::inspect_file(&cache.join(path))
            .with_context(|| format!("reading {path}"))?;
        let reference = references
            .get(path)
            .with_context(|| format!("exiftool said nothing about {path}"))?;
        let differences = compare(&ours, reference);
        let verdict = if differences.is_empty() {
            tally.pass(package);
            "ok  "
        } else {
            tally.fail(package);
            "DIFF"
        };
        let name = Path::new(path)
            .file_name()
            .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
        println!(
            "{verdict}  {name}  {}  ({what}; exiftool: {})",
            describe(&ours),
            reference.describe()
        );
        for difference in &differences {
            println!("        {difference}");
        }
        disagreements.extend(differences.into_iter().map(|d| format!("{path}: {d}")));
    }
    if !disagreements.is_empty() {
        bail!(
            "helpcenter-media disagrees with exiftool on {} point(s) in the device files \
             (cargo xtask device-files):\n  {}",
            disagreements.len(),
            disagreements.join("\n  ")
        );
    }
    println!(
        "device files: {} files from {} packages, helpcenter-media agrees with exiftool (with Chromium's player on live recordings) on each",
        files.len(),
        FILES.len()
    );
    Ok(())
}

/// [`RECORDINGS`] into `dir`, recorded afresh by the installed Chromium, and how long its
/// player says each one is, by file name.
fn record(ctx: &Ctx, dir: &Path) -> Result<HashMap<String, f64>> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let suite = ctx.root.join("tests").join("e2e");
    e2e::install_packages(ctx, &suite)?;
    let version = ctx
        .cmd("node")
        .arg(
            ctx.root
                .join("xtask")
                .join("device-files")
                .join("record.js"),
        )
        .env("NODE_PATH", suite.join("node_modules"))
        .env("HC_OUT", dir)
        .env("HC_CHROMIUM", tools::CHROMIUM)
        .env("HC_CHROMIUM_FLAGS", tools::CHROMIUM_FLAGS.join(" "))
        .capture()?;
    for (name, _) in RECORDINGS {
        if !dir.join(name).is_file() {
            bail!("Chromium {version} recorded no {name}");
        }
    }
    println!("device files: recorded with Chromium {version}'s MediaRecorder");
    let played = dir.join("durations.json");
    let played = fs::read_to_string(&played)
        .with_context(|| format!("Chromium {version} wrote no {}", played.display()))?;
    serde_json::from_str(&played).context("record.js's durations.json")
}

/// The package's archive in `cache/archives`, downloaded by its registry's client unless a
/// copy with the pinned SHA-256 is already there.
fn fetch(ctx: &Ctx, cache: &Path, package: &Package) -> Result<PathBuf> {
    let archives = cache.join("archives");
    let path = archives.join(package.archive);
    if path.is_file() {
        if sha256_of(&path)? == package.sha256 {
            return Ok(path);
        }
        println!(
            "device files: {} changed in the cache, fetching it again",
            path.display()
        );
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    fs::create_dir_all(&archives).with_context(|| format!("creating {}", archives.display()))?;
    let (name, version) = (package.name, package.version);
    match package.registry {
        // `--no-binary` for this package only: its sdist holds the test images, while the
        // build backend pip installs to read the sdist's metadata may come as wheels.
        Registry::PyPi => ctx
            .cmd("python3")
            .args(["-m", "pip", "download", "--no-deps", "--no-binary", name])
            .arg("--dest")
            .arg(&archives)
            .arg(format!("{name}=={version}"))
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .run()?,
        Registry::Npm => ctx
            .cmd("npm")
            .args(["pack", "--loglevel=warn", &format!("{name}@{version}")])
            .arg("--pack-destination")
            .arg(&archives)
            .env("npm_config_update_notifier", "false")
            .run()?,
        Registry::Debian => {
            let download = || {
                ctx.cmd("apt-get")
                    .args(["download", &format!("{name}={version}")])
                    .current_dir(&archives)
                    .run()
            };
            if download().is_err() {
                // A fresh machine has no package lists yet.
                println!("device files: apt-get download failed, updating the package lists");
                ctx.cmd("apt-get")
                    .arg("update")
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .run()?;
                download()?;
            }
        }
    }
    let got = sha256_of(&path)
        .with_context(|| format!("fetching {name} {version} did not leave {}", path.display()))?;
    if got != package.sha256 {
        bail!(
            "{} is not the archive pinned in xtask/src/device_files.rs: SHA-256 {got}, expected {}",
            path.display(),
            package.sha256
        );
    }
    Ok(path)
}

/// The package's files under `cache/NAME-VERSION/`, unpacked from `archive` unless all are
/// there. Unpacked into a scratch directory first, so an interrupted run leaves nothing that
/// looks complete.
fn unpack(ctx: &Ctx, cache: &Path, package: &Package, archive: &Path) -> Result<PathBuf> {
    let root = cache.join(format!("{}-{}", package.name, package.version));
    let complete = |root: &Path| package.files.iter().all(|(f, _)| root.join(f).is_file());
    if complete(&root) {
        return Ok(root);
    }
    let scratch = cache.join(format!(".{}-{}.partial", package.name, package.version));
    for dir in [&root, &scratch] {
        if dir.exists() {
            fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    match package.registry {
        Registry::Debian => ctx
            .cmd("dpkg-deb")
            .arg("-x")
            .arg(archive)
            .arg(&scratch)
            .run()?,
        Registry::PyPi | Registry::Npm => ctx
            .cmd("tar")
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(&scratch)
            .args(package.files.iter().map(|(f, _)| f))
            .run()?,
    }
    if !complete(&scratch) {
        bail!(
            "{} does not hold all of the files listed for it in xtask/src/device_files.rs",
            archive.display()
        );
    }
    fs::rename(&scratch, &root).with_context(|| format!("renaming to {}", root.display()))?;
    Ok(root)
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What exiftool says about each file, by its path relative to `cache` (exiftool runs there).
fn exiftool<'a>(
    ctx: &Ctx,
    cache: &Path,
    paths: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, Reference>> {
    let out = ctx
        .cmd("exiftool")
        .args(["-json", "-n", "-G1", "-a"])
        .args(EXIFTOOL_TAGS)
        .args(paths)
        .current_dir(cache)
        .capture()?;
    let entries: Vec<Map<String, Value>> =
        serde_json::from_str(&out).context("exiftool's -json output")?;
    entries
        .iter()
        .map(|entry| {
            let path = entry
                .get("SourceFile")
                .and_then(Value::as_str)
                .context("an exiftool entry without SourceFile")?;
            Ok((path.to_owned(), Reference::from_exiftool(entry)))
        })
        .collect()
}

/// The facts exiftool reports, in the crate's terms.
#[derive(Debug, Default, PartialEq)]
struct Reference {
    mime: Option<String>,
    media_type: Option<MediaType>,
    size: Option<(u32, u32)>,
    captured_on: Option<CivilDate>,
    duration_seconds: Option<f64>,
    device: Option<String>,
    byte_order: Option<String>,
    /// How long Chromium's player says a recording made here is.
    played_seconds: Option<f64>,
}

impl Reference {
    fn from_exiftool(entry: &Map<String, Value>) -> Self {
        let text = |key: &str| entry.get(key).and_then(Value::as_str);
        let number = |key: &str| entry.get(key).and_then(Value::as_f64);
        let dimension = |key: &str| entry.get(key).and_then(Value::as_u64)?.try_into().ok();
        let mime = text("File:MIMEType");
        // The file's own size; a video's `TrackN:` sizes are left out on purpose.
        let size = ["File", "PNG", "RIFF"].into_iter().find_map(|group| {
            Some((
                dimension(&format!("{group}:ImageWidth"))?,
                dimension(&format!("{group}:ImageHeight"))?,
            ))
        });
        let captured_on = ["ExifIFD:DateTimeOriginal", "ExifIFD:CreateDate"]
            .into_iter()
            .find_map(|key| exif_day(text(key)?));
        let duration_seconds = number("QuickTime:Duration").or_else(|| number("Matroska:Duration"));
        let nonempty = |key: &str| text(key).map(str::trim).filter(|s| !s.is_empty());
        let device = match (nonempty("IFD0:Make"), nonempty("IFD0:Model")) {
            (Some(make), Some(model)) if model.starts_with(make) => Some(model.to_owned()),
            (Some(make), Some(model)) => Some(format!("{make} {model}")),
            (make, model) => make.or(model).map(str::to_owned),
        };
        Reference {
            media_type: mime.and_then(media_type_of),
            mime: mime.map(str::to_owned),
            size,
            captured_on,
            duration_seconds,
            device,
            byte_order: text("File:ExifByteOrder").map(str::to_owned),
            played_seconds: None,
        }
    }

    fn describe(&self) -> String {
        let mut words = vec![self.mime.clone().unwrap_or_else(|| "no type".to_owned())];
        if let Some((w, h)) = self.size {
            words.push(format!("{w}x{h}"));
        }
        if let Some(day) = self.captured_on {
            words.push(format!("EXIF day {day}"));
        }
        if let Some(seconds) = self.duration_seconds {
            words.push(format!("{seconds} s"));
        }
        if let Some(device) = &self.device {
            words.push(device.clone());
        }
        if let Some(order) = &self.byte_order {
            words.push(format!("EXIF {order}"));
        }
        if let Some(seconds) = self.played_seconds {
            words.push(format!("Chromium plays {seconds} s"));
        }
        words.join(", ")
    }
}

/// The crate's type for an exiftool MIME type; `None` for a kind the policy never accepts.
fn media_type_of(mime: &str) -> Option<MediaType> {
    match mime {
        // A multi-picture JPEG: the first picture is a plain JPEG.
        "image/mpo" => Some(MediaType::Jpeg),
        "image/heif" | "image/heif-sequence" | "image/heic-sequence" => Some(MediaType::Heic),
        _ => MediaType::ALL.into_iter().find(|t| t.mime() == mime),
    }
}

/// The day of an EXIF date-time (`YYYY:MM:DD HH:MM:SS`), if it is a real day.
fn exif_day(value: &str) -> Option<CivilDate> {
    let date = value.get(..10)?;
    if date.as_bytes()[4] != b':' || date.as_bytes()[7] != b':' {
        return None;
    }
    date.replace(':', "-").parse().ok()
}

/// Every point where the crate and exiftool disagree, by the rules in the module doc.
fn compare(ours: &Inspection, reference: &Reference) -> Vec<String> {
    let mut differences = Vec::new();
    let mut differ = |field: &str, ours: String, theirs: String| {
        differences.push(format!(
            "{field}: helpcenter-media says {ours}, exiftool says {theirs}"
        ));
    };
    let Some(kind) = reference.media_type else {
        differ(
            "type",
            format!("{:?}", ours.media_type),
            format!(
                "{} (a kind the crate never accepts: pick another file)",
                reference.mime.as_deref().unwrap_or("nothing")
            ),
        );
        return differences;
    };
    if ours.media_type != Some(kind) {
        differ(
            "type",
            format!("{:?}", ours.media_type),
            format!("{kind:?} ({})", reference.mime.as_deref().unwrap_or("")),
        );
        return differences;
    }
    let our_size = ours.width.zip(ours.height);
    let shown =
        |size: Option<(u32, u32)>| size.map_or("none".to_owned(), |(w, h)| format!("{w}x{h}"));
    let day = |d: Option<CivilDate>| d.map_or("none".to_owned(), |d| d.to_string());
    let seconds = |s: Option<f64>| s.map_or("none".to_owned(), |s| format!("{s} s"));
    if kind.is_video() {
        if our_size.is_some() {
            differ(
                "size",
                shown(our_size),
                "not compared for videos".to_owned(),
            );
        }
        if ours.captured_on.is_some() {
            differ(
                "capture day",
                day(ours.captured_on),
                "not read from videos".to_owned(),
            );
        }
        // A live recording's header has no length: the player's measure is the reference.
        let expected = reference.duration_seconds.or(reference.played_seconds);
        let agree = match (ours.duration_seconds, expected) {
            (Some(a), Some(b)) => (a - b).abs() <= DURATION_TOLERANCE_SECONDS,
            (None, None) => true,
            _ => false,
        };
        if !agree {
            differ(
                "duration",
                seconds(ours.duration_seconds),
                match (reference.duration_seconds, reference.played_seconds) {
                    (None, Some(played)) => format!("none; Chromium plays {played} s"),
                    _ => seconds(reference.duration_seconds),
                },
            );
        }
    } else {
        if our_size != reference.size {
            differ("size", shown(our_size), shown(reference.size));
        }
        if ours.captured_on != reference.captured_on {
            differ(
                "capture day",
                day(ours.captured_on),
                day(reference.captured_on),
            );
        }
        if ours.duration_seconds.is_some() {
            differ(
                "duration",
                seconds(ours.duration_seconds),
                "none for a photo".to_owned(),
            );
        }
    }
    differences
}

/// The crate's facts, as the line for the file shows them.
fn describe(found: &Inspection) -> String {
    let mut words = vec![
        found
            .media_type
            .map_or("unknown".to_owned(), |t| format!("{t:?}").to_lowercase()),
    ];
    if let Some((w, h)) = found.width.zip(found.height) {
        words.push(format!("{w}x{h}"));
    }
    if let Some(day) = found.captured_on {
        words.push(format!("captured {day}"));
    } else if !found.media_type.is_some_and(MediaType::is_video) {
        words.push("no capture day".to_owned());
    }
    if let Some(seconds) = found.duration_seconds {
        words.push(format!("{seconds:.3} s"));
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reference(entry: Value) -> Reference {
        match entry {
            Value::Object(map) => Reference::from_exiftool(&map),
            _ => Reference::default(),
        }
    }

    #[test]
    fn a_photo_agrees_only_on_the_same_size_and_exif_day() {
        let theirs = reference(json!({
            "File:MIMEType": "image/mpo",
            "File:ImageWidth": 3648, "File:ImageHeight": 2736,
            // An invalid original falls back to the digitized date, as the crate reads it.
            "ExifIFD:DateTimeOriginal": "0000:00:00 00:00:00",
            "ExifIFD:CreateDate": "2013:05:25 16:38:10",
            "XMP-xmp:CreateDate": "2020:01:01 00:00:00",
        }));
        let mut ours = Inspection {
            media_type: Some(MediaType::Jpeg),
            width: Some(3648),
            height: Some(2736),
            duration_seconds: None,
            captured_on: "2013-05-25".parse().ok(),
        };
        assert_eq!(compare(&ours, &theirs), Vec::<String>::new());
        ours.captured_on = None;
        ours.height = Some(2737);
        let differences = compare(&ours, &theirs);
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(differences[0].starts_with("size: helpcenter-media says 3648x2737"));
        assert!(differences[1].contains("says none, exiftool says 2013-05-25"));
    }

    #[test]
    fn a_video_agrees_within_the_tolerance_and_never_invents_a_day() {
        let theirs = reference(json!({
            "File:MIMEType": "video/webm",
            "Track1:ImageWidth": 320,
            "Matroska:Duration": 6.042,
        }));
        let mut ours = Inspection {
            media_type: Some(MediaType::Webm),
            duration_seconds: Some(6.0419),
            ..Inspection::default()
        };
        assert!(compare(&ours, &theirs).is_empty());
        ours.duration_seconds = Some(6.2);
        ours.captured_on = "2020-01-01".parse().ok();
        assert_eq!(compare(&ours, &theirs).len(), 2);
        ours.duration_seconds = None;
        ours.captured_on = None;
        assert_eq!(
            compare(&ours, &theirs).len(),
            1,
            "a missing duration differs"
        );
    }

    #[test]
    fn a_live_recording_agrees_with_the_player_when_exiftool_has_no_length() {
        let mut theirs = reference(json!({ "File:MIMEType": "video/webm" }));
        let mut ours = Inspection {
            media_type: Some(MediaType::Webm),
            duration_seconds: Some(1.96),
            ..Inspection::default()
        };
        assert_eq!(
            compare(&ours, &theirs).len(),
            1,
            "no reference: none expected"
        );
        theirs.played_seconds = Some(1.975);
        assert!(compare(&ours, &theirs).is_empty());
        ours.duration_seconds = Some(1.5);
        assert_eq!(compare(&ours, &theirs).len(), 1, "too far from the player");
        ours.duration_seconds = None;
        assert_eq!(
            compare(&ours, &theirs).len(),
            1,
            "the player found a length"
        );
    }

    #[test]
    fn a_kind_the_crate_never_accepts_is_a_disagreement() {
        let theirs = reference(json!({ "File:MIMEType": "image/avif" }));
        let differences = compare(&Inspection::default(), &theirs);
        assert_eq!(differences.len(), 1);
        assert!(differences[0].contains("never accepts"));
    }
}
