//! What the agent is writing on the ticket, kept while it is redrawn, and what each action said.

use leptos::prelude::*;

use crate::app::TicketDraft;

/// What the agent is writing or choosing on the ticket: kept by the screen, so a live change
/// that redraws the ticket loses none of it.
#[derive(Clone, Copy)]
pub(super) struct Drafts {
    pub(super) to: RwSignal<String>,
    pub(super) resolution: RwSignal<String>,
    pub(super) status_message: RwSignal<String>,
    pub(super) question: RwSignal<String>,
    pub(super) reply: RwSignal<String>,
    pub(super) note: RwSignal<String>,
    pub(super) colleague: RwSignal<String>,
    pub(super) said_status: RwSignal<Said>,
    pub(super) said_info: RwSignal<Said>,
    pub(super) said_reply: RwSignal<Said>,
    pub(super) said_note: RwSignal<Said>,
    pub(super) said_assign: RwSignal<Said>,
}

impl Drafts {
    pub(super) fn new(kept: &TicketDraft) -> Drafts {
        Drafts {
            to: RwSignal::new(kept.to.clone()),
            resolution: RwSignal::new(kept.resolution.clone()),
            status_message: RwSignal::new(kept.status_message.clone()),
            question: RwSignal::new(kept.question.clone()),
            reply: RwSignal::new(kept.reply.clone()),
            note: RwSignal::new(kept.note.clone()),
            colleague: RwSignal::new(kept.colleague.clone()),
            said_status: RwSignal::new(Said::Nothing),
            said_info: RwSignal::new(Said::Nothing),
            said_reply: RwSignal::new(Said::Nothing),
            said_note: RwSignal::new(Said::Nothing),
            said_assign: RwSignal::new(Said::Nothing),
        }
    }

    /// What is written now (tracked: an effect reading it runs again on every keystroke).
    pub(super) fn written(&self) -> TicketDraft {
        TicketDraft {
            to: self.to.get(),
            resolution: self.resolution.get(),
            status_message: self.status_message.get(),
            question: self.question.get(),
            reply: self.reply.get(),
            note: self.note.get(),
            colleague: self.colleague.get(),
        }
    }

    /// Puts back what was written on another ticket (or nothing) when the screen shows it.
    pub(super) fn restore(&self, kept: &TicketDraft) {
        self.to.set(kept.to.clone());
        self.resolution.set(kept.resolution.clone());
        self.status_message.set(kept.status_message.clone());
        self.question.set(kept.question.clone());
        self.reply.set(kept.reply.clone());
        self.note.set(kept.note.clone());
        self.colleague.set(kept.colleague.clone());
        for said in [
            self.said_status,
            self.said_info,
            self.said_reply,
            self.said_note,
            self.said_assign,
        ] {
            said.set(Said::Nothing);
        }
    }
}

/// Result of an action, said beside its button.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Said {
    Nothing,
    Sending,
    Done,
    Problem(String),
}
