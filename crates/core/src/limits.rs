//! Bounds no policy can lift. Each bounds something that arrives from outside (a merchant's
//! policy file, a shopper's browser, an embedding page), so a hostile or broken sender cannot
//! make the widget or the server hold or store more than this. The widget and the server both
//! read them from here; the server's tests and OpenAPI document quote them.

// What a policy may ask for (checked when a site loads its policy).

/// Characters a claim's description may be required to have at most.
pub const MAX_DESCRIPTION_CHARS: u32 = 20_000;
/// Files a claim (or a reply) may carry.
pub const MAX_FILES: u32 = 20;
/// Bytes of one file.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;
/// Bytes of a claim's files together.
pub const MAX_TOTAL_BYTES: u64 = 4 * MAX_FILE_BYTES;
/// Pixels a policy may require an image's shorter side to have at least.
pub const MAX_IMAGE_SIDE: u32 = 8000;
/// Pixels of one photo a policy may accept at most: a 200 MP phone photo (Samsung Galaxy S23
/// and S24 Ultra), decoded, is 800 MB of memory; more is a decompression bomb, not evidence.
pub const MAX_IMAGE_PIXELS: u64 = 200_000_000;
/// Seconds of one video.
pub const MAX_VIDEO_SECONDS: u32 = 3600;
/// Days of a claim window after delivery.
pub const MAX_WINDOW_DAYS: u16 = 365;
/// Characters of an order number.
pub const MAX_ORDER_NUMBER_LEN: u8 = 64;
/// Hours the store may promise for its first response.
pub const MAX_FIRST_RESPONSE_HOURS: u32 = 30 * 24;
/// Characters of one of the policy's texts (a hint, a notice, a dispute explanation), per
/// locale: what the widget shows, not what the shopper writes.
pub const MAX_POLICY_TEXT_CHARS: usize = 2000;
/// Bytes of an id in a policy (category, question, answer, outcome); ids are ASCII.
pub const MAX_POLICY_ID_LEN: usize = 64;

// What a shopper's browser sends.

/// Characters of a message the shopper writes to the store after filing (a reply, a dispute's
/// reason), and of an agent's message back.
pub const MAX_SHOPPER_MESSAGE_CHARS: usize = 4000;
/// Characters of an email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Answers in one claim: more than any decision tree's depth.
pub const MAX_ANSWERS: usize = 32;
/// Bytes of a site's key (in paths and upload metadata).
pub const MAX_SITE_KEY_BYTES: usize = 64;
/// Bytes of a ticket id (`HC-` and six characters today): longer is no ticket, unlooked-up.
pub const MAX_TICKET_ID_BYTES: usize = 32;
/// Bytes of the `Idempotency-Key` a claim is filed under.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;
/// Bytes of a signed-in customer's id or email in the store's identity token.
pub const MAX_IDENTITY_FIELD_BYTES: usize = 256;
