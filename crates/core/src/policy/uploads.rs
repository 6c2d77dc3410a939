//! What an upload may be, by the policy: the largest file, the most pixels and the types its
//! outcome accepts, or (before the shopper reached one) the most any outcome accepts.

use super::{Outcome, Policy};
use crate::evidence::MediaType;

impl Policy {
    /// The largest file an upload may be: `outcome`'s limit when the widget named one, else
    /// the largest any outcome of this policy accepts (an upload starts before the claim is
    /// complete; filing checks the file against its outcome's exact rule).
    pub fn upload_max_file_bytes(&self, outcome: Option<&Outcome>) -> u64 {
        match outcome {
            Some(outcome) => outcome.evidence.media.max_file_bytes,
            None => self
                .outcomes
                .iter()
                .map(|o| o.evidence.media.max_file_bytes)
                .max()
                .unwrap_or(0),
        }
    }

    /// The most pixels a photo uploaded for `outcome` may have (for no outcome, the largest any
    /// outcome accepts): a photo claiming more is refused before it is decoded.
    pub fn upload_max_image_pixels(&self, outcome: Option<&Outcome>) -> u64 {
        match outcome {
            Some(outcome) => outcome.evidence.media.max_image_pixels,
            None => self
                .outcomes
                .iter()
                .map(|o| o.evidence.media.max_image_pixels)
                .max()
                .unwrap_or(0),
        }
    }

    /// The types an upload may have: `outcome`'s list when the widget named one, else any
    /// type some outcome of this policy accepts; sorted, each once.
    pub fn upload_accepted_types(&self, outcome: Option<&Outcome>) -> Vec<MediaType> {
        let mut types: Vec<MediaType> = match outcome {
            Some(outcome) => outcome.evidence.media.accepted.clone(),
            None => self
                .outcomes
                .iter()
                .flat_map(|o| o.evidence.media.accepted.iter().copied())
                .collect(),
        };
        types.sort();
        types.dedup();
        types
    }
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;

    #[test]
    fn uploads_meet_their_outcomes_limits_or_the_largest_of_the_site() {
        let mut policy = Policy::builtin();
        policy.outcomes.truncate(2);
        policy.outcomes[0].evidence.media.max_file_bytes = 5_000_000;
        policy.outcomes[0].evidence.media.accepted = vec![MediaType::Png, MediaType::Jpeg];
        policy.outcomes[1].evidence.media.max_file_bytes = 9_000_000;
        policy.outcomes[1].evidence.media.accepted = vec![MediaType::Mp4, MediaType::Jpeg];
        let first = &policy.outcomes[0];
        assert_eq!(policy.upload_max_file_bytes(Some(first)), 5_000_000);
        assert_eq!(policy.upload_max_file_bytes(None), 9_000_000);
        assert_eq!(
            policy.upload_accepted_types(Some(first)),
            [MediaType::Jpeg, MediaType::Png]
        );
        assert_eq!(
            policy.upload_accepted_types(None),
            [MediaType::Jpeg, MediaType::Png, MediaType::Mp4]
        );
    }
}
