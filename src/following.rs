//! One ticket as its shopper follows it: what the server says of it, kept up to date live,
//! and what the shopper sends back (an answer with more evidence, or a dispute). The answer
//! in writing is kept on the device until it is sent, files included.

use helpcenter_core::{CivilDate, Problem, ReplySubmission, TicketStatus, validate_reply};
use leptos::prelude::*;

use crate::api::{Escalation, Reply, SubmitError, TicketEvent, TicketView};
use crate::attach::{self, AttachRule, Attachments, Rules};
use crate::draft::saved;
use crate::i18n::Text;
use crate::live::{Change, Connection, Follower};
use crate::requests::MyRequests;
use crate::shop::Shop;

/// Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct TicketPage {
    pub shop: Shop,
    pub requests: MyRequests,
    pub id: StoredValue<String>,
    pub token: StoredValue<String>,
    pub ticket: RwSignal<Option<TicketView>>,
    pub connection: RwSignal<Connection>,
    /// Polite announcements: a new status, an answer sent.
    pub announce: RwSignal<String>,
    pub answer: RwSignal<String>,
    pub files: Attachments,
    /// Set once the shopper tried to send: every problem shows from then on.
    pub show_all: RwSignal<bool>,
    follower: StoredValue<Option<Follower>, LocalStorage>,
}

impl TicketPage {
    /// The page for a ticket already read from the server, with the answer the shopper was
    /// writing on this device, if any.
    pub fn new(requests: MyRequests, token: String, ticket: TicketView) -> TicketPage {
        let shop = requests.shop;
        let site = shop.site.get_value();
        let kept = saved::load_reply(&site, &ticket.id);
        let id = ticket.id.clone();
        let ticket = RwSignal::new(Some(ticket));
        let answer = RwSignal::new(kept.message);
        let file_list = RwSignal::new(kept.files);
        let rule = Signal::derive(move || {
            let outcome = ticket.with(|t| t.as_ref().map(|t| t.outcome.clone()))?;
            let outcome = shop.with_policy(|p| p.outcome(&outcome).cloned())?;
            Some(AttachRule {
                outcome,
                max_files: helpcenter_core::limits::MAX_FILES,
            })
        });
        let delivered_on: Signal<Option<CivilDate>> =
            Signal::derive(move || ticket.with(|t| t.as_ref().and_then(|t| t.delivered_on)));
        let problems = Memo::new(move |_| {
            let (positions, evidence) = file_list.with(|files| attach::checked(files));
            let reply = ReplySubmission {
                message: answer.get(),
                evidence,
            };
            let media = rule.with(|r| r.as_ref().map(|r| r.outcome.evidence.media.clone()));
            let result = validate_reply(&media.unwrap_or_default(), &reply, delivered_on.get());
            attach::at_draft_positions(result.err().unwrap_or_default(), &positions)
        });
        let announce = RwSignal::new(String::new());
        let files = Attachments::new(shop, file_list, announce);
        files.bind(Rules {
            rule,
            problems: problems.into(),
            delivered_on,
        });
        let page = TicketPage {
            shop,
            requests,
            id: StoredValue::new(id),
            token: StoredValue::new(token),
            ticket,
            connection: RwSignal::new(Connection::Opening),
            announce,
            answer,
            files,
            show_all: RwSignal::new(false),
            follower: StoredValue::new_local(None),
        };
        Effect::new(move |_| {
            let reply = crate::draft::ReplyDraft {
                message: answer.get(),
                files: file_list.get(),
            };
            saved::store_reply(&site, &page.id.get_value(), &reply);
        });
        page.mark_seen();
        page
    }

    /// Starts following the ticket live; it stops when the page is left.
    pub fn follow(&self) {
        let page = *self;
        let after = self.latest();
        let follower = Follower::start(
            self.shop.api.get_value(),
            self.id.get_value(),
            self.token.get_value(),
            after,
            move |change| page.apply(change),
        );
        self.follower.set_value(Some(follower));
        on_cleanup(move || page.follower.set_value(None));
    }

    /// The newest event on the page.
    pub fn latest(&self) -> u32 {
        self.ticket.with_untracked(|t| {
            t.as_ref()
                .and_then(|t| t.timeline.last())
                .map_or(0, |e| e.seq)
        })
    }

    fn apply(&self, change: Change) {
        match change {
            Change::Event(event) => self.add_event(event),
            Change::Snapshot(fresh) => {
                let news = fresh.timeline.last().map(|e| e.seq) > Some(self.latest());
                let status = fresh.status;
                self.ticket.set(Some(*fresh));
                if news {
                    self.announce_status(status);
                }
                self.mark_seen();
            }
            Change::Connection(state) => self.connection.set(state),
        }
    }

    fn add_event(&self, event: TicketEvent) {
        let brings_files = !event.evidence.is_empty();
        let status = event.status;
        self.ticket.update(|t| {
            let Some(t) = t else { return };
            if t.timeline.iter().any(|e| e.seq == event.seq) {
                return;
            }
            t.status = event.status;
            if event.resolution.is_some() {
                t.resolution = event.resolution;
            }
            // What the shopper may do now is the rulebook's answer for the new status.
            t.shopper_can = event.status.next_for_shopper().to_vec();
            t.updated_at.clone_from(&event.at);
            t.timeline.push(event);
        });
        self.announce_status(status);
        self.mark_seen();
        if brings_files {
            // The event names the files; their names and sizes come with the ticket.
            let page = *self;
            leptos::task::spawn_local(async move { page.reload().await });
        }
    }

    fn announce_status(&self, status: TicketStatus) {
        let locale = self.shop.locale;
        self.announce
            .set(locale.fill(Text::StatusNow, &[("status", &self.status_words(status))]));
    }

    /// The status in words, with the resolution once there is one.
    pub fn status_words(&self, status: TicketStatus) -> String {
        let locale = self.shop.locale;
        let resolution = self
            .ticket
            .with_untracked(|t| t.as_ref().and_then(|t| t.resolution));
        match (status, resolution) {
            (TicketStatus::Resolved | TicketStatus::Closed, Some(kind)) => locale.fill(
                Text::StatusWithResolution,
                &[
                    ("status", locale.status(status)),
                    ("resolution", locale.resolution(kind)),
                ],
            ),
            _ => locale.status(status).to_owned(),
        }
    }

    fn mark_seen(&self) {
        self.requests.seen(&self.id.get_value(), self.latest());
    }

    /// Reads the ticket again (after an event that brought files).
    pub async fn reload(self) {
        let api = self.shop.api.get_value();
        if let Ok(fresh) = api
            .ticket(&self.id.get_value(), &self.token.get_value())
            .await
        {
            self.ticket.try_set(Some(fresh));
        }
    }

    /// Sends the answer; on success the page shows the ticket as it now stands and the
    /// answer is forgotten on this device (its files now belong to the ticket).
    pub async fn send_answer(self) -> Result<(), SubmitError> {
        let reply = Reply {
            message: self.answer.get_untracked().trim().to_owned(),
            uploads: self.files.upload_ids(),
        };
        let api = self.shop.api.get_value();
        let fresh = api
            .reply(&self.id.get_value(), &self.token.get_value(), &reply)
            .await?;
        self.took(fresh);
        let sent = self.files.release();
        self.answer.set(String::new());
        self.show_all.set(false);
        self.announce
            .set(self.shop.locale.text(Text::AnswerSent).to_owned());
        Attachments::forget_sent(sent).await;
        Ok(())
    }

    /// Disputes the decision (§IV) with the shopper's reason.
    pub async fn dispute(self, reason: String) -> Result<(), SubmitError> {
        let api = self.shop.api.get_value();
        let fresh = api
            .escalate(
                &self.id.get_value(),
                &self.token.get_value(),
                &Escalation { message: reason },
            )
            .await?;
        self.took(fresh);
        self.announce
            .set(self.shop.locale.text(Text::DisputeSent).to_owned());
        Ok(())
    }

    /// The server's answer to what the shopper sent: the ticket as it now stands.
    fn took(&self, fresh: TicketView) {
        if let Some(newest) = fresh.timeline.last() {
            self.follower.with_value(|follower| {
                if let Some(follower) = follower {
                    follower.seen(newest.seq);
                }
            });
        }
        self.ticket.set(Some(fresh));
        self.mark_seen();
    }

    pub fn problems(&self) -> Vec<Problem> {
        self.files.problems()
    }
}
