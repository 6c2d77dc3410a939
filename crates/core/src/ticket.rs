//! The ticket lifecycle as a pure state machine (DESIGN.md):
//! `submitted → in_review → needs_info → in_review → resolved → closed`, and `escalated`
//! (a dispute, §IV) from any open state. Every change becomes an event on the ticket's timeline.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Filed; waiting for the preliminary verification of §II.
    Submitted,
    InReview,
    /// An agent asked the shopper for something; the shopper answers from the widget.
    NeedsInfo,
    /// Decided, with a `ResolutionKind`.
    Resolved,
    /// The shopper disputes the handling (§IV): negotiation first.
    Escalated,
    Closed,
}

/// What a resolved ticket ended in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    Return,
    Exchange,
    Repair,
    Replacement,
    Refund,
    CarrierClaim,
    PaidSupport,
    Declined,
}

impl ResolutionKind {
    pub const ALL: [ResolutionKind; 8] = [
        ResolutionKind::Return,
        ResolutionKind::Exchange,
        ResolutionKind::Repair,
        ResolutionKind::Replacement,
        ResolutionKind::Refund,
        ResolutionKind::CarrierClaim,
        ResolutionKind::PaidSupport,
        ResolutionKind::Declined,
    ];

    /// Its name in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionKind::Return => "return",
            ResolutionKind::Exchange => "exchange",
            ResolutionKind::Repair => "repair",
            ResolutionKind::Replacement => "replacement",
            ResolutionKind::Refund => "refund",
            ResolutionKind::CarrierClaim => "carrier_claim",
            ResolutionKind::PaidSupport => "paid_support",
            ResolutionKind::Declined => "declined",
        }
    }
    /// §II: returns, exchanges, repairs and replacement shipments follow the store's Return
    /// and Exchange Policy, which the shopper should be pointed to.
    pub fn follows_return_policy(self) -> bool {
        use ResolutionKind::*;
        matches!(self, Return | Exchange | Repair | Replacement)
    }
}

/// Who asks for a change: shoppers may only answer and dispute; agents do the rest.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Shopper,
    Agent,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Submitted,
        TicketStatus::InReview,
        TicketStatus::NeedsInfo,
        TicketStatus::Resolved,
        TicketStatus::Escalated,
        TicketStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Submitted => "submitted",
            TicketStatus::InReview => "in_review",
            TicketStatus::NeedsInfo => "needs_info",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Escalated => "escalated",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        self != TicketStatus::Closed
    }

    /// Where an agent can move a ticket from here.
    pub fn next(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            Submitted => &[InReview, Escalated],
            InReview => &[NeedsInfo, Resolved, Escalated],
            NeedsInfo => &[InReview, Escalated],
            Resolved => &[Closed, Escalated],
            Escalated => &[InReview, Resolved],
            Closed => &[],
        }
    }

    /// Where a shopper can move it: answering a request, or disputing a decision (§IV: there
    /// is nothing to dispute before the store has decided).
    pub fn next_for_shopper(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            NeedsInfo => &[InReview],
            Resolved => &[Escalated],
            Submitted | InReview | Escalated | Closed => &[],
        }
    }

    /// Where a ticket stands once its shopper has written (words, files or both): an answer to
    /// a request goes back to review; any other open ticket stays where it is, the message
    /// added for the store. `None` once closed.
    pub fn after_shopper_message(self) -> Option<TicketStatus> {
        use TicketStatus::*;
        match self {
            NeedsInfo => Some(InReview),
            Closed => None,
            open => Some(open),
        }
    }

    /// The steps a ticket usually still goes through from here, for showing the shopper what
    /// comes next (any step may be skipped or repeated; [`TicketStatus::next`] is the rule).
    pub fn usual_path(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            Submitted | NeedsInfo => &[InReview, Resolved, Closed],
            InReview | Escalated => &[Resolved, Closed],
            Resolved => &[Closed],
            Closed => &[],
        }
    }

    pub fn next_for(self, actor: Actor) -> &'static [TicketStatus] {
        match actor {
            Actor::Agent => self.next(),
            Actor::Shopper => self.next_for_shopper(),
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a change of status was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(
        "a ticket that is {from} cannot become {to}; allowed: {}",
        list(allowed)
    )]
    NotAllowed {
        from: TicketStatus,
        to: TicketStatus,
        allowed: &'static [TicketStatus],
    },
    #[error("resolving a ticket needs a resolution")]
    ResolutionMissing,
    #[error("only a resolved ticket has a resolution")]
    ResolutionUnexpected,
}

fn list(statuses: &[TicketStatus]) -> String {
    if statuses.is_empty() {
        return "none".into();
    }
    statuses
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl TransitionError {
    /// Stable code for problem details.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "ticket.transition_not_allowed",
            TransitionError::ResolutionMissing => "ticket.resolution_missing",
            TransitionError::ResolutionUnexpected => "ticket.resolution_unexpected",
        }
    }
}

/// Checks one change of status by `actor`; `resolution` goes with `Resolved` and only with it.
pub fn transition(
    from: TicketStatus,
    to: TicketStatus,
    resolution: Option<ResolutionKind>,
    actor: Actor,
) -> Result<(), TransitionError> {
    let allowed = from.next_for(actor);
    if !allowed.contains(&to) {
        return Err(TransitionError::NotAllowed { from, to, allowed });
    }
    match (to, resolution) {
        (TicketStatus::Resolved, None) => Err(TransitionError::ResolutionMissing),
        (TicketStatus::Resolved, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(TransitionError::ResolutionUnexpected),
    }
}

/// Which status may follow which, as a Markdown table, made from [`TicketStatus::next`] and
/// [`TicketStatus::next_for_shopper`] so the README and the OpenAPI description cannot say
/// otherwise than the rule.
pub fn lifecycle_table() -> String {
    let names = |statuses: &[TicketStatus]| {
        if statuses.is_empty() {
            "none".to_owned()
        } else {
            statuses
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut table = String::from(
        "| from | an agent may move it to (console, admin API, CLI) | the shopper may move it to (widget) |\n\
         |---|---|---|\n",
    );
    for status in TicketStatus::ALL {
        table.push_str(&format!(
            "| `{status}` | {} | {} |\n",
            names(status.next()),
            names(status.next_for_shopper())
        ));
    }
    let resolutions: Vec<String> = ResolutionKind::ALL
        .iter()
        .map(|r| format!("`{}`", r.as_str()))
        .collect();
    table.push_str(&format!(
        "\n`resolved` takes a `resolution`: {}; no other status takes one. Asking the shopper \
         for information (`request-info`, or a transition to `needs_info`) from `submitted` \
         or `escalated` passes through `in_review` first, in one step. The shopper may write \
         to the store (words, files) at any status but `closed`: an answer moves `needs_info` \
         to `in_review`, any other status stays; they may dispute only a decision \
         (`resolved`).\n",
        resolutions.join(", ")
    ));
    table
}

/// The changes of status an agent's request for information makes from `from`: straight to
/// `needs_info` from review, and through review first from a new (or disputed) ticket, so the
/// agent need not know that a ticket is reviewed before the shopper is asked. Each step is a
/// [`transition`] the agent could make by hand; the server records them in one go.
pub fn request_info_steps(from: TicketStatus) -> Result<&'static [TicketStatus], TransitionError> {
    use TicketStatus::*;
    if from.next().contains(&NeedsInfo) {
        return Ok(&[NeedsInfo]);
    }
    if from != NeedsInfo && from.next().contains(&InReview) {
        return Ok(&[InReview, NeedsInfo]);
    }
    Err(TransitionError::NotAllowed {
        from,
        to: NeedsInfo,
        allowed: from.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
    use super::*;

    #[test]
    fn the_lifecycle_table_has_a_row_per_status_and_every_resolution() {
        let table = lifecycle_table();
        assert!(table.contains("| `submitted` | `in_review`, `escalated` | none |"));
        assert!(table.contains("| `resolved` | `closed`, `escalated` | `escalated` |"));
        assert!(table.contains("| `closed` | none | none |"));
        for status in TicketStatus::ALL {
            assert!(table.contains(&format!("| `{status}` |")), "{status}");
        }
        for resolution in ResolutionKind::ALL {
            // The names are serde's.
            let json = serde_json::to_string(&resolution).expect("json");
            assert_eq!(json, format!("\"{}\"", resolution.as_str()));
            assert!(table.contains(&format!("`{}`", resolution.as_str())));
        }
    }

    #[test]
    fn the_happy_path_of_the_lifecycle() {
        let steps = [
            (Submitted, InReview, None),
            (InReview, NeedsInfo, None),
            (NeedsInfo, InReview, None),
            (InReview, Resolved, Some(ResolutionKind::Exchange)),
            (Resolved, Closed, None),
        ];
        for (from, to, resolution) in steps {
            assert_eq!(
                transition(from, to, resolution, Actor::Agent),
                Ok(()),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn every_open_state_can_be_escalated_and_closed_is_final() {
        for status in TicketStatus::ALL {
            let can_escalate = status.next().contains(&Escalated);
            assert_eq!(
                can_escalate,
                status.is_open() && status != Escalated,
                "{status}"
            );
        }
        assert!(Closed.next().is_empty());
        assert!(Closed.next_for_shopper().is_empty());
    }

    #[test]
    fn a_refused_change_names_what_is_allowed() {
        let err = transition(Submitted, Closed, None, Actor::Agent).expect_err("refused");
        assert_eq!(err.code(), "ticket.transition_not_allowed");
        assert_eq!(
            err.to_string(),
            "a ticket that is submitted cannot become closed; allowed: in_review, escalated"
        );
    }

    #[test]
    fn resolutions_go_with_resolved_only() {
        assert_eq!(
            transition(InReview, Resolved, None, Actor::Agent),
            Err(TransitionError::ResolutionMissing)
        );
        assert_eq!(
            transition(
                InReview,
                NeedsInfo,
                Some(ResolutionKind::Refund),
                Actor::Agent
            ),
            Err(TransitionError::ResolutionUnexpected)
        );
    }

    #[test]
    fn the_usual_path_only_takes_allowed_steps_and_ends_closed() {
        for status in TicketStatus::ALL {
            let mut at = status;
            for &step in status.usual_path() {
                assert!(at.next().contains(&step), "{at} → {step}");
                at = step;
            }
            assert_eq!(at, TicketStatus::Closed, "from {status}");
        }
    }

    #[test]
    fn shoppers_can_only_answer_or_dispute() {
        assert_eq!(
            transition(NeedsInfo, InReview, None, Actor::Shopper),
            Ok(())
        );
        assert_eq!(
            transition(Resolved, Escalated, None, Actor::Shopper),
            Ok(())
        );
        assert!(
            transition(
                InReview,
                Resolved,
                Some(ResolutionKind::Refund),
                Actor::Shopper
            )
            .is_err()
        );
        assert!(transition(Resolved, Closed, None, Actor::Shopper).is_err());
    }

    #[test]
    fn a_shopper_disputes_only_a_decision_and_writes_while_the_ticket_is_open() {
        for status in TicketStatus::ALL {
            assert_eq!(
                status.next_for_shopper().contains(&Escalated),
                status == Resolved,
                "{status}"
            );
        }
        assert_eq!(NeedsInfo.after_shopper_message(), Some(InReview));
        for open in [Submitted, InReview, Resolved, Escalated] {
            assert_eq!(open.after_shopper_message(), Some(open));
        }
        assert_eq!(Closed.after_shopper_message(), None);
    }

    #[test]
    fn every_shopper_move_is_also_an_agent_move() {
        for status in TicketStatus::ALL {
            for to in status.next_for_shopper() {
                assert!(status.next().contains(to), "{status} → {to}");
            }
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(status.as_str().into())
            );
        }
        assert_eq!(TicketStatus::parse("open"), None);
    }

    #[test]
    fn asking_for_information_goes_through_review_when_it_must() {
        assert_eq!(request_info_steps(InReview), Ok(&[NeedsInfo][..]));
        assert_eq!(
            request_info_steps(Submitted),
            Ok(&[InReview, NeedsInfo][..])
        );
        assert_eq!(
            request_info_steps(Escalated),
            Ok(&[InReview, NeedsInfo][..])
        );
        for from in [NeedsInfo, Resolved, Closed] {
            assert!(
                matches!(
                    request_info_steps(from),
                    Err(TransitionError::NotAllowed { to: NeedsInfo, .. })
                ),
                "{from}"
            );
        }
        // Every step is one an agent may take by hand.
        for from in TicketStatus::ALL {
            if let Ok(steps) = request_info_steps(from) {
                let mut at = from;
                for &step in steps {
                    assert_eq!(
                        transition(at, step, None, Actor::Agent),
                        Ok(()),
                        "{at} → {step}"
                    );
                    at = step;
                }
                assert_eq!(at, NeedsInfo);
            }
        }
    }
}
