//! A finished upload examined before it is kept: what its bytes are (`helpcenter_media`'s
//! bounded header walks), a photo's pixels held to the policy's cap from its header before
//! anything decodes it, the shopper's location and the device's serials removed (in place,
//! losslessly), then the photo decoded whole to prove it is one.
//!
//! On the blocking pool, one decode at a time per [`DECODE_SLOTS`], within [`DECODE_BUDGET`]:
//! a photo under the pixel cap decodes in well under a second, so a file that takes longer is
//! refused as unreadable rather than let hold a thread of the server's.

use std::path::PathBuf;
use std::time::Duration;

use helpcenter_core::MediaType;
use helpcenter_media::Inspection;
use helpcenter_media::decode::{DecodeRefusal, check_decodes};
use helpcenter_media::privacy::{Removed, remove_private};
use tokio::sync::Semaphore;

use super::error::UploadError;

/// Photos decoded at once: each may take up to `max_image_pixels` × 8 bytes of memory.
const DECODE_SLOTS: usize = 2;
/// How long examining one file may take, waiting for a slot included.
const DECODE_BUDGET: Duration = Duration::from_secs(30);

static DECODING: Semaphore = Semaphore::const_new(DECODE_SLOTS);

/// What examining a finished upload found, and what it removed from it.
#[derive(Debug)]
pub(crate) struct Examined {
    pub found: Inspection,
    pub removed: Removed,
}

/// Examines the file at `path`: refuses it when its type is not in `accepted`
/// (`TypeNotAccepted`), a photo's header claims more than `max_pixels` pixels
/// (`ImageTooManyPixels`) or says no size, or it does not decode (`ImageUnreadable`).
pub(crate) async fn examine(
    path: PathBuf,
    accepted: Vec<MediaType>,
    max_pixels: u64,
) -> Result<Examined, UploadError> {
    let work = async {
        let _slot = DECODING
            .acquire()
            .await
            .map_err(|e| UploadError::Io(std::io::Error::other(e)))?;
        tokio::task::spawn_blocking(move || examine_blocking(&path, &accepted, max_pixels)).await?
    };
    match tokio::time::timeout(DECODE_BUDGET, work).await {
        Ok(result) => result,
        Err(_) => Err(UploadError::ImageUnreadable(format!(
            "it took more than {} s to open",
            DECODE_BUDGET.as_secs()
        ))),
    }
}

fn examine_blocking(
    path: &std::path::Path,
    accepted: &[MediaType],
    max_pixels: u64,
) -> Result<Examined, UploadError> {
    let found = helpcenter_media::inspect_file(path)?;
    let Some(kind) = found.media_type.filter(|t| accepted.contains(t)) else {
        return Err(UploadError::TypeNotAccepted);
    };
    if kind.is_video() {
        return Ok(Examined {
            found,
            removed: Removed::default(),
        });
    }
    let (Some(width), Some(height)) = (found.width, found.height) else {
        return Err(UploadError::ImageUnreadable(
            "its header gives no size".to_owned(),
        ));
    };
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(UploadError::ImageTooManyPixels {
            width,
            height,
            limit: max_pixels,
        });
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let removed = remove_private(&mut file, len, kind)?;
    file.sync_data()?;
    drop(file);
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    match check_decodes(reader, kind, max_pixels) {
        Ok(Some(decoded)) if decoded != (width, height) => {
            Err(UploadError::ImageUnreadable(format!(
                "its header says {width}×{height}, its picture is {}×{}",
                decoded.0, decoded.1
            )))
        }
        Ok(_) => Ok(Examined { found, removed }),
        Err(DecodeRefusal::TooManyPixels { width, height }) => {
            Err(UploadError::ImageTooManyPixels {
                width,
                height,
                limit: max_pixels,
            })
        }
        Err(DecodeRefusal::Unreadable(why)) => Err(UploadError::ImageUnreadable(why)),
    }
}
