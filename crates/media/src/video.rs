//! How long a video lasts, from its container alone: MP4 / QuickTime from `moov/mvhd`,
//! WebM from its `Info` (or, for a live recording without one, from the last block of its last
//! cluster). Every walk is bounded in steps and reads only what the headers point at.

use std::io::{self, Read, Seek, SeekFrom};

use crate::{MAX_SIBLINGS, read_array};

/// Duration of an MP4 / QuickTime file from `moov/mvhd` (timescale and duration), wherever in
/// the file `moov` is.
pub fn mp4_duration<R: Read + Seek>(reader: &mut R, len: u64) -> Option<f64> {
    let (moov_start, moov_end) = find_box(reader, 0, len, b"moov")?;
    let (mvhd_start, mvhd_end) = find_box(reader, moov_start, moov_end, b"mvhd")?;
    reader.seek(SeekFrom::Start(mvhd_start)).ok()?;
    let version = read_array::<_, 4>(reader)?[0];
    let (needed, timescale, duration) = match version {
        0 => {
            let _times = read_array::<_, 8>(reader)?;
            let timescale = u32::from_be_bytes(read_array(reader)?);
            let duration = u32::from_be_bytes(read_array(reader)?);
            let duration = (duration != u32::MAX).then_some(u64::from(duration));
            (4 + 8 + 8, timescale, duration)
        }
        1 => {
            let _times = read_array::<_, 16>(reader)?;
            let timescale = u32::from_be_bytes(read_array(reader)?);
            let duration = u64::from_be_bytes(read_array(reader)?);
            (
                4 + 16 + 12,
                timescale,
                (duration != u64::MAX).then_some(duration),
            )
        }
        _ => return None,
    };
    if mvhd_end.checked_sub(mvhd_start)? < needed || timescale == 0 {
        return None;
    }
    Some(duration? as f64 / f64::from(timescale))
}

/// The content range of the first box of type `kind` among the boxes in `start..end`.
fn find_box<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    end: u64,
    kind: &[u8; 4],
) -> Option<(u64, u64)> {
    let mut pos = start;
    for _ in 0..MAX_SIBLINGS {
        if pos.checked_add(8)? > end {
            return None;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let header = read_array::<_, 8>(reader)?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let (header_len, size) = match size32 {
            // The box runs to the end of its container.
            0 => (8, end - pos),
            // A 64-bit size follows the type.
            1 => (16, u64::from_be_bytes(read_array(reader)?)),
            n => (8, u64::from(n)),
        };
        let box_end = pos.checked_add(size)?;
        if size < header_len || box_end > end {
            return None;
        }
        if &header[4..8] == kind {
            return Some((pos + header_len, box_end));
        }
        pos = box_end;
    }
    None
}

const EBML_HEADER: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const CLUSTER: u32 = 0x1F43_B675;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const CLUSTER_TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const BLOCK_DURATION: u32 = 0x9B;

/// How much of a live recording's end is read to find its last cluster: a browser's recorder
/// starts a cluster every few seconds, a few hundred kilobytes each at its usual bitrates.
pub const LIVE_TAIL_BYTES: u64 = 2 * 1024 * 1024;
/// Elements looked at in the last cluster: a few seconds of video and sound are a few hundred.
const MAX_CLUSTER_ELEMENTS: usize = 16 * 1024;
/// Places in the tail where a cluster could begin that are tried before giving up: the bytes
/// of its id can occur inside compressed frames too.
const MAX_CLUSTER_CANDIDATES: usize = 64;

/// Duration of a WebM (Matroska) file: `Segment/Info/Duration` × `TimecodeScale` (ns). A live
/// recording (a browser's MediaRecorder writes no `Duration`: it does not know it when it
/// writes the header) lasts until its last block: read from its last cluster, in the file's
/// last [`LIVE_TAIL_BYTES`].
pub fn webm_duration<R: Read + Seek>(reader: &mut R, len: u64) -> Option<f64> {
    reader.seek(SeekFrom::Start(0)).ok()?;
    let header = read_element_header(reader, len)?;
    if header.id != EBML_HEADER {
        return None;
    }
    let mut pos = header.data_start.checked_add(header.size?)?;
    // The Segment is the next top-level element (skipping any Void/CRC): within a few steps,
    // or this is no WebM a camera wrote (an 18 MB file of empty Void elements took 26 s of
    // CPU when this walk had no bound).
    let segment = (0..MAX_SIBLINGS).find_map(|_| {
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let element = read_element_header(reader, len);
        pos = element
            .as_ref()
            .filter(|e| e.id != SEGMENT)
            .and_then(|e| e.data_start.checked_add(e.size?))
            .unwrap_or(u64::MAX);
        element.filter(|e| e.id == SEGMENT)
    })?;
    // An unknown-size Segment (live recording) runs to the end of the file.
    let segment_end = segment
        .size
        .and_then(|s| segment.data_start.checked_add(s))
        .map_or(len, |e| e.min(len));
    let mut pos = segment.data_start;
    let info = (0..MAX_SIBLINGS).find_map(|_| {
        if pos >= segment_end {
            pos = u64::MAX;
            return None;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let element = read_element_header(reader, segment_end);
        let next = element
            .as_ref()
            .filter(|e| e.id != CLUSTER)
            .and_then(|e| e.data_start.checked_add(e.size?));
        pos = next.unwrap_or(u64::MAX);
        element.filter(|e| e.id == INFO)
    })?;
    let info_end = info.data_start.checked_add(info.size?)?.min(segment_end);
    let mut scale: u64 = 1_000_000;
    let mut duration: Option<f64> = None;
    let mut pos = info.data_start;
    for _ in 0..MAX_SIBLINGS {
        if pos >= info_end {
            break;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let element = read_element_header(reader, info_end)?;
        let size = element.size?;
        match (element.id, size) {
            (TIMECODE_SCALE, 1..=8) => {
                let mut bytes = [0u8; 8];
                reader.read_exact(&mut bytes[8 - size as usize..]).ok()?;
                scale = u64::from_be_bytes(bytes);
            }
            (DURATION, 4) => {
                duration = Some(f64::from(f32::from_be_bytes(read_array(reader)?)));
            }
            (DURATION, 8) => duration = Some(f64::from_be_bytes(read_array(reader)?)),
            _ => {}
        }
        pos = element.data_start.checked_add(size)?;
    }
    let ticks = match duration {
        Some(ticks) => ticks,
        None => live_end_ticks(&read_tail(reader, len)?)? as f64,
    };
    let seconds = ticks * scale as f64 / 1e9;
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

/// The file's last [`LIVE_TAIL_BYTES`] (all of it when shorter), in one read.
fn read_tail<R: Read + Seek>(reader: &mut R, len: u64) -> Option<Vec<u8>> {
    let start = len.saturating_sub(LIVE_TAIL_BYTES);
    reader.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = vec![0; usize::try_from(len - start).ok()?];
    reader.read_exact(&mut tail).ok()?;
    Some(tail)
}

/// When a live recording ends, in timecode ticks: its last cluster's timestamp plus the latest
/// end among that cluster's blocks (relative timestamp, and duration where a block group gives
/// one). `tail` ends where the file does; the last cluster is the last place in it where a
/// cluster's id starts a cluster whose elements run exactly to the end. `None` when there is
/// none: a cut or foreign file is never given a made-up length.
fn live_end_ticks(tail: &[u8]) -> Option<u64> {
    let id = CLUSTER.to_be_bytes();
    let mut before = tail.len();
    for _ in 0..MAX_CLUSTER_CANDIDATES {
        let at = tail[..before].windows(4).rposition(|w| w == id)?;
        if let Some(end) = cluster_end_ticks(&tail[at..]) {
            return Some(end);
        }
        before = at + 3;
    }
    None
}

/// The end of the cluster that `bytes` begins with and must hold to its last byte.
fn cluster_end_ticks(bytes: &[u8]) -> Option<u64> {
    let len = bytes.len() as u64;
    let mut reader = io::Cursor::new(bytes);
    let cluster = read_element_header(&mut reader, len)?;
    if cluster.id != CLUSTER || cluster.size.is_some_and(|s| cluster.data_start + s != len) {
        return None;
    }
    let mut timestamp: Option<u64> = None;
    let mut latest: i64 = 0;
    let mut pos = cluster.data_start;
    for _ in 0..MAX_CLUSTER_ELEMENTS {
        if pos == len {
            let end = i64::try_from(timestamp?).ok()?.checked_add(latest)?;
            return u64::try_from(end.max(0)).ok();
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let element = read_element_header(&mut reader, len)?;
        let end = element.data_start.checked_add(element.size?)?;
        let data =
            bytes.get(usize::try_from(element.data_start).ok()?..usize::try_from(end).ok()?)?;
        match element.id {
            CLUSTER_TIMESTAMP => timestamp = Some(unsigned(data)?),
            SIMPLE_BLOCK => latest = latest.max(block_timestamp(data)?),
            BLOCK_GROUP => latest = latest.max(block_group_end(data)?),
            // Another cluster inside this one: this was not the last.
            CLUSTER => return None,
            _ => {}
        }
        pos = end;
    }
    None
}

/// A block's timestamp relative to its cluster: a signed 16-bit number after the track number.
fn block_timestamp(block: &[u8]) -> Option<i64> {
    let track_len = block.first()?.leading_zeros() as usize + 1;
    let at = block.get(track_len..track_len + 2)?;
    Some(i64::from(i16::from_be_bytes([at[0], at[1]])))
}

/// When a block group's block ends: its timestamp plus its duration, if it gives one.
fn block_group_end(group: &[u8]) -> Option<i64> {
    let len = group.len() as u64;
    let mut reader = io::Cursor::new(group);
    let (mut start, mut duration): (Option<i64>, i64) = (None, 0);
    let mut pos = 0;
    for _ in 0..MAX_SIBLINGS {
        if pos == len {
            return start?.checked_add(duration);
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let element = read_element_header(&mut reader, len)?;
        let end = element.data_start.checked_add(element.size?)?;
        let data =
            group.get(usize::try_from(element.data_start).ok()?..usize::try_from(end).ok()?)?;
        match element.id {
            BLOCK => start = Some(block_timestamp(data)?),
            BLOCK_DURATION => duration = i64::try_from(unsigned(data)?).ok()?,
            _ => {}
        }
        pos = end;
    }
    None
}

/// An EBML unsigned integer of 1 to 8 bytes.
fn unsigned(data: &[u8]) -> Option<u64> {
    if data.is_empty() || data.len() > 8 {
        return None;
    }
    Some(data.iter().fold(0, |n, b| (n << 8) | u64::from(*b)))
}

struct ElementHeader {
    id: u32,
    /// `None`: unknown size (all value bits set).
    size: Option<u64>,
    data_start: u64,
}

/// An EBML element's id (marker bits kept, up to 4 bytes) and size (marker removed, up to 8).
fn read_element_header<R: Read + Seek>(reader: &mut R, end: u64) -> Option<ElementHeader> {
    let start = reader.stream_position().ok()?;
    let first = read_array::<_, 1>(reader)?[0];
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return None;
    }
    let mut id = u32::from(first);
    for _ in 1..id_len {
        id = (id << 8) | u32::from(read_array::<_, 1>(reader)?[0]);
    }
    let first = read_array::<_, 1>(reader)?[0];
    let size_len = first.leading_zeros() as usize + 1;
    if size_len > 8 {
        return None;
    }
    let mut size = u64::from(first) & (0xFF >> size_len);
    let mut all_ones = size == (0xFF >> size_len);
    for _ in 1..size_len {
        let byte = read_array::<_, 1>(reader)?[0];
        all_ones &= byte == 0xFF;
        size = (size << 8) | u64::from(byte);
    }
    let data_start = start.checked_add((id_len + size_len) as u64)?;
    if data_start > end {
        return None;
    }
    Some(ElementHeader {
        id,
        size: (!all_ones).then_some(size),
        data_start,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::{HeadAndTail, inspect};
    use helpcenter_core::MediaType;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    fn mvhd_v0(timescale: u32, duration: u32) -> Vec<u8> {
        let mut body = vec![0, 0, 0, 0];
        body.extend_from_slice(&[0; 8]);
        body.extend_from_slice(&timescale.to_be_bytes());
        body.extend_from_slice(&duration.to_be_bytes());
        body.extend_from_slice(&[0; 80]);
        mp4_box(b"mvhd", &body)
    }

    fn duration_of(bytes: &[u8]) -> Option<f64> {
        mp4_duration(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn mvhd_version_0_and_1() {
        let mut file = mp4_box(b"ftyp", b"isom\0\0\0\0isommp41");
        file.extend(mp4_box(b"moov", &mvhd_v0(1000, 12_500)));
        assert_eq!(duration_of(&file), Some(12.5));

        let mut body = vec![1, 0, 0, 0];
        body.extend_from_slice(&[0; 16]);
        body.extend_from_slice(&90_000u32.to_be_bytes());
        body.extend_from_slice(&(90_000u64 * 61).to_be_bytes());
        let mut file = mp4_box(b"ftyp", b"qt  \0\0\0\0");
        file.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &body)));
        assert_eq!(duration_of(&file), Some(61.0));
    }

    #[test]
    fn moov_after_a_large_mdat_and_64_bit_sizes() {
        let mut file = mp4_box(b"ftyp", b"mp42\0\0\0\0");
        // A 64-bit-sized mdat: size field 1, then the real size.
        let payload = vec![7u8; 1000];
        file.extend_from_slice(&1u32.to_be_bytes());
        file.extend_from_slice(b"mdat");
        file.extend_from_slice(&(16 + payload.len() as u64).to_be_bytes());
        file.extend_from_slice(&payload);
        let mut moov = mp4_box(b"udta", b"hello");
        moov.extend(mvhd_v0(600, 1800));
        file.extend(mp4_box(b"moov", &moov));
        assert_eq!(duration_of(&file), Some(3.0));
    }

    #[test]
    fn broken_or_hostile_boxes_give_no_duration() {
        let ftyp = mp4_box(b"ftyp", b"isom\0\0\0\0");
        // No moov at all.
        assert_eq!(duration_of(&ftyp), None);
        // A box claiming to be larger than the file.
        let mut lying = ftyp.clone();
        lying.extend_from_slice(&u32::MAX.to_be_bytes());
        lying.extend_from_slice(b"moov");
        assert_eq!(duration_of(&lying), None);
        // A box smaller than its own header.
        let mut tiny = ftyp.clone();
        tiny.extend_from_slice(&4u32.to_be_bytes());
        tiny.extend_from_slice(b"free");
        assert_eq!(duration_of(&tiny), None);
        // Zero timescale, unknown duration, truncated mvhd.
        let mut zero = ftyp.clone();
        zero.extend(mp4_box(b"moov", &mvhd_v0(0, 100)));
        assert_eq!(duration_of(&zero), None);
        let mut unknown = ftyp.clone();
        unknown.extend(mp4_box(b"moov", &mvhd_v0(1000, u32::MAX)));
        assert_eq!(duration_of(&unknown), None);
        let mut cut = ftyp.clone();
        cut.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &[0, 0, 0, 0, 1, 2])));
        assert_eq!(duration_of(&cut), None);
        // Thousands of empty-ish boxes: the walk stops, it does not spin.
        let mut many = ftyp;
        for _ in 0..5000 {
            many.extend(mp4_box(b"free", b""));
        }
        many.extend(mp4_box(b"moov", &mvhd_v0(1000, 1000)));
        assert_eq!(duration_of(&many), None);
    }

    fn ebml(id: &[u8], body: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        // 8-byte size vint: marker 0x01 then 7 bytes.
        e.push(0x01);
        e.extend_from_slice(&(body.len() as u64).to_be_bytes()[1..]);
        e.extend_from_slice(body);
        e
    }

    fn webm(info: &[u8], segment_size_known: bool) -> Vec<u8> {
        let mut file = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"webm"));
        let mut segment = ebml(&[0x11, 0x4D, 0x9B, 0x74], &[0; 12]); // SeekHead
        segment.extend(ebml(&[0x15, 0x49, 0xA9, 0x66], info));
        segment.extend(ebml(&[0x1F, 0x43, 0xB6, 0x75], &[0; 32])); // Cluster
        if segment_size_known {
            file.extend(ebml(&[0x18, 0x53, 0x80, 0x67], &segment));
        } else {
            file.extend_from_slice(&[0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
            file.extend_from_slice(&[0xFF, 0xFF]);
            file.extend(segment);
        }
        file
    }

    fn webm_of(bytes: &[u8]) -> Option<f64> {
        webm_duration(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn webm_duration_times_timecode_scale() {
        // Duration as a float64 in the default 1 ms scale: 4.5 s.
        let mut info = vec![0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40]; // 1_000_000
        info.extend(ebml(&[0x44, 0x89], &4500f64.to_be_bytes()));
        assert_eq!(webm_of(&webm(&info, true)), Some(4.5));
        assert_eq!(webm_of(&webm(&info, false)), Some(4.5));
        // Float32 duration and a 10 ms scale: 250 × 10 ms = 2.5 s.
        let mut info = vec![0x2A, 0xD7, 0xB1, 0x83, 0x98, 0x96, 0x80]; // 10_000_000
        info.extend(ebml(&[0x44, 0x89], &250f32.to_be_bytes()));
        assert_eq!(webm_of(&webm(&info, true)), Some(2.5));
    }

    #[test]
    fn webm_without_duration_or_broken_gives_none() {
        let info = vec![0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40];
        assert_eq!(webm_of(&webm(&info, true)), None);
        let mut nan = info.clone();
        nan.extend(ebml(&[0x44, 0x89], &f64::NAN.to_be_bytes()));
        assert_eq!(webm_of(&webm(&nan, true)), None);
        assert_eq!(webm_of(&[0x1A, 0x45, 0xDF, 0xA3, 0x00]), None);
        assert_eq!(webm_of(b"not matroska at all"), None);
    }

    /// A live recording as a browser's MediaRecorder muxes it: Segment and clusters of unknown
    /// size, no `Duration`, a cluster a second; 30 video frames a second in simple blocks, and
    /// the last frame in a block group with a 40 ms duration. It runs `seconds` and a bit; each
    /// frame is `frame_bytes` long.
    fn live_webm(seconds: u16, frame_bytes: usize) -> Vec<u8> {
        const UNKNOWN: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        let mut file = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"webm"));
        file.extend_from_slice(&[0x18, 0x53, 0x80, 0x67]);
        file.extend_from_slice(&UNKNOWN);
        file.extend(ebml(
            &[0x15, 0x49, 0xA9, 0x66],
            &[0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40],
        ));
        for second in 0..seconds {
            file.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75]);
            file.extend_from_slice(&UNKNOWN);
            file.extend(ebml(&[0xE7], &(u32::from(second) * 1000).to_be_bytes()));
            for frame in 0..30i16 {
                // Track 1, timestamp, keyframe flag, a frame's bytes (with the cluster id
                // inside, as compressed data may hold it).
                let mut block = vec![0x81];
                block.extend_from_slice(&(frame * 33).to_be_bytes());
                block.push(0x80);
                block.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75, 0x42, 0x42]);
                block.resize(block.len() + frame_bytes, 0x42);
                file.extend(ebml(&[0xA3], &block));
            }
        }
        let mut last = vec![0x81];
        last.extend_from_slice(&990i16.to_be_bytes());
        last.push(0);
        let mut group = ebml(&[0xA1], &last);
        group.extend(ebml(&[0x9B], &[40]));
        file.extend(ebml(&[0xA0], &group));
        file
    }

    #[test]
    fn a_live_recording_lasts_until_its_last_block() {
        // 3 clusters (0, 1 and 2 s); the last block group starts at 2.990 s for 40 ms.
        let file = live_webm(3, 100);
        assert_eq!(webm_of(&file), Some(3.03));
        let found = inspect(&mut Cursor::new(&file), file.len() as u64).expect("inspect");
        assert_eq!(found.media_type, Some(MediaType::Webm));
        assert_eq!(found.duration_seconds, Some(3.03));
    }

    #[test]
    fn a_cut_live_recording_has_no_length_rather_than_a_wrong_one() {
        let file = live_webm(3, 100);
        for cut in [1, 7, 300] {
            let short = &file[..file.len() - cut];
            assert_eq!(webm_of(short), None, "cut {cut} bytes short");
        }
    }

    #[test]
    fn the_widget_reads_a_live_recording_from_its_head_and_tail_alone() {
        // Larger than the head and the tail the widget keeps together.
        let file = live_webm(90, 1000);
        let tail_start = file.len() - LIVE_TAIL_BYTES as usize;
        assert!(tail_start > 4096);
        let (head, tail) = (&file[..4096], &file[tail_start..]);
        let len = file.len() as u64;
        let found = inspect(&mut HeadAndTail::new(head, tail, len), len).expect("inspect");
        assert_eq!(found.duration_seconds, Some(90.03));
        // Without the tail the middle is missing: no length, not the head's.
        let found = inspect(&mut HeadAndTail::new(head, &[], len), len).expect("inspect");
        assert_eq!(found.media_type, Some(MediaType::Webm));
        assert_eq!(found.duration_seconds, None);
    }
}
