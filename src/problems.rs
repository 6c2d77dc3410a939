//! helpcenter-core's problem codes in the shopper's words, with the numbers that make them
//! actionable: not "too small" but "640×480; use one of at least 800×600".

use helpcenter_core::{CivilDate, EvidenceFile, EvidenceRule, Field, Policy, Problem};

use crate::i18n::{Locale, fill};

/// What a message about a problem may refer to.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub locale: Locale,
    pub policy: &'a Policy,
    /// The evidence rule of the outcome the claim is filed under, once known.
    pub rule: Option<&'a EvidenceRule>,
    pub files: &'a [Option<EvidenceFile>],
    pub delivered_on: Option<CivilDate>,
}

impl Context<'_> {
    pub fn describe(&self, problem: &Problem) -> String {
        let locale = self.locale;
        let mut values: Vec<(&str, String)> = vec![
            ("example", self.policy.order_number.example.clone()),
            (
                "max_chars",
                helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS.to_string(),
            ),
        ];
        if let Some(rule) = self.rule {
            let media = &rule.media;
            let (min, max) = match problem.field {
                Field::Description => (rule.description.min_chars, rule.description.max_chars),
                _ => (media.min_count, media.max_count),
            };
            values.extend([
                ("min", min.to_string()),
                ("max", max.to_string()),
                ("photos", media.min_photos.to_string()),
                ("total", locale.bytes(media.max_total_bytes)),
                ("max_size", locale.bytes(media.max_file_bytes)),
                ("min_width", media.min_image_width.to_string()),
                ("min_height", media.min_image_height.to_string()),
                ("max_seconds", media.max_video_seconds.to_string()),
            ]);
        }
        if let Field::EvidenceFile(i) = problem.field
            && let Some(Some(file)) = self.files.get(i)
        {
            let number = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
            values.extend([
                ("size", locale.bytes(file.bytes)),
                ("width", number(file.width)),
                ("height", number(file.height)),
                (
                    "seconds",
                    file.duration_seconds
                        // Whole seconds, without float formatting in the wasm.
                        .map_or_else(|| "?".to_owned(), |s| (s.round() as u64).to_string()),
                ),
                (
                    "taken",
                    file.captured_on.map(|d| locale.date(d)).unwrap_or_default(),
                ),
            ]);
        }
        if let Some(day) = self.delivered_on {
            values.push(("delivered", locale.date(day)));
        }
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(locale.problem(problem.code), &pairs)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use helpcenter_core::{MediaType, ProblemCode};

    use super::*;

    #[test]
    fn file_problems_name_the_files_numbers_and_the_rules() {
        let policy = Policy::builtin();
        let rule = &policy.outcome("transit_damage").expect("outcome").evidence;
        let small = EvidenceFile {
            name: "box.png".into(),
            bytes: 30_000,
            media_type: Some(MediaType::Png),
            width: Some(200),
            height: Some(150),
            content_hash: "a".into(),
            captured_on: CivilDate::from_ymd(2026, 11, 18),
            ..EvidenceFile::default()
        };
        let files = [Some(small)];
        let ctx = Context {
            locale: Locale::En,
            policy: &policy,
            rule: Some(rule),
            files: &files,
            delivered_on: CivilDate::from_ymd(2026, 11, 20),
        };
        let at = |code| ctx.describe(&Problem::new(Field::EvidenceFile(0), code));
        assert!(at(ProblemCode::ImageTooSmall).contains("(200×150)"));
        assert!(at(ProblemCode::ImageTooSmall).contains("320×240"));
        assert_eq!(
            at(ProblemCode::PhotoTakenBeforeDelivery),
            "This photo was taken on 18 November 2026, before the parcel arrived on 20 November 2026. Please send photos taken after delivery."
        );
        let set = ctx.describe(&Problem::new(Field::Evidence, ProblemCode::EvidenceTooMany));
        assert_eq!(set, "You can send at most 8 files: remove one.");
        let zh = Context {
            locale: Locale::ZhCn,
            ..ctx
        };
        assert!(
            zh.describe(&Problem::new(
                Field::EvidenceFile(0),
                ProblemCode::FileTooLarge
            ))
            .contains("20 MB")
        );
        assert!(
            ctx.describe(&Problem::new(
                Field::OrderNumber,
                ProblemCode::OrderNumberFormat
            ))
            .contains("10023456")
        );
        assert!(!set.contains('{'));
    }
}
