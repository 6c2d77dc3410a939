//! The progress rail: the way the request went and the usual way ahead, the current step marked.

use helpcenter_core::TicketStatus;
use leptos::prelude::*;

use crate::following::TicketPage;
use crate::i18n::Text;

/// The way the request went and the usual way ahead, in the shopper's words: each change of
/// status once, the current one marked.
#[component]
pub(super) fn StatusSteps() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let steps = move || {
        let Some(current) = page.ticket.with(|t| t.as_ref().map(|t| t.status)) else {
            return Vec::new().into_iter().collect_view();
        };
        rail(current)
            .into_iter()
            .map(|(status, step)| {
                let (class, aria) = match step {
                    Step::Done => ("hc-progress-step hc-progress-step--done", None),
                    Step::Current => ("hc-progress-step hc-progress-step--current", Some("step")),
                    Step::Ahead => ("hc-progress-step", None),
                };
                let words = if step == Step::Ahead {
                    locale.status(status).to_owned()
                } else {
                    page.status_words(status)
                };
                view! {
                    <li class=class aria-current=aria data-status=status.as_str()>
                        {words}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="hc-progress" aria-label=locale.text(Text::Progress)>
            <ol>{steps}</ol>
        </nav>
    }
}

/// Where a step of the progress rail stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    Current,
    Ahead,
}

/// The progress rail: the main road (received, under review, resolved, closed), each step
/// once, with a detour (the store asking, a dispute) shown only while the ticket is on it.
/// Where it went back and forth is the conversation's to tell, not the rail's.
pub fn rail(current: TicketStatus) -> Vec<(TicketStatus, Step)> {
    use TicketStatus::*;
    let road: &[TicketStatus] = match current {
        NeedsInfo => &[Submitted, InReview, NeedsInfo, Resolved, Closed],
        Escalated => &[Submitted, InReview, Resolved, Escalated, Closed],
        _ => &[Submitted, InReview, Resolved, Closed],
    };
    let at = road.iter().position(|&s| s == current).unwrap_or(0);
    road.iter()
        .enumerate()
        .map(|(i, &status)| {
            let step = match i.cmp(&at) {
                std::cmp::Ordering::Less => Step::Done,
                std::cmp::Ordering::Equal => Step::Current,
                std::cmp::Ordering::Greater => Step::Ahead,
            };
            (status, step)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use helpcenter_core::TicketStatus;

    #[test]
    fn the_progress_rail_never_repeats_a_step() {
        use super::Step::*;
        use TicketStatus::*;
        for status in TicketStatus::ALL {
            let rail = super::rail(status);
            let mut seen: Vec<TicketStatus> = rail.iter().map(|(s, _)| *s).collect();
            seen.dedup();
            assert_eq!(seen.len(), rail.len(), "{status}: {rail:?}");
            assert_eq!(
                rail.iter().filter(|(_, step)| *step == Current).count(),
                1,
                "{status}"
            );
        }
        // Back in review after the store asked: the road, not the detour, and no repeat.
        assert_eq!(
            super::rail(InReview),
            [
                (Submitted, Done),
                (InReview, Current),
                (Resolved, Ahead),
                (Closed, Ahead)
            ]
        );
        assert_eq!(
            super::rail(Escalated),
            [
                (Submitted, Done),
                (InReview, Done),
                (Resolved, Done),
                (Escalated, Current),
                (Closed, Ahead)
            ]
        );
    }
}
