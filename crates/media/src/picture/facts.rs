//! What a photo's headers say: its size, the day it was taken, and where its EXIF block lies.

use helpcenter_core::CivilDate;

/// What the headers say; `None` where they say nothing readable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    pub size: Option<(u32, u32)>,
    pub taken: Option<CivilDate>,
    /// Where the EXIF (TIFF) block lies in the file, for removing what it says about the
    /// shopper (`crate::privacy`).
    pub exif: Option<ExifBlock>,
}

/// The place of a photo's EXIF block in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExifBlock {
    /// Offset of the TIFF header (`II*\0` or `MM\0*`).
    pub at: u64,
    /// Bytes from there to the end of the segment, chunk or item that holds it.
    pub len: u64,
    /// PNG: the offset of the `eXIf` chunk's type, which its CRC covers with the data.
    pub png_chunk: Option<u64>,
}
