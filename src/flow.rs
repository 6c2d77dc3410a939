//! The filing flow's state, shared by its screens: the draft (kept on the device), the live
//! state of each file (checking, uploading, …) and the rulebook's verdict on all of it.
//!
//! Every verdict comes from `helpcenter_core::validate_submission` on the draft as it stands,
//! the same call the server makes when the ticket arrives; screens only pick the problems of
//! their own fields.

use helpcenter_api::WidgetConfig;
use helpcenter_core::{
    CivilDate, Field, Node, Outcome, Problem, StoreOrder, Submission, WindowStatus, validate_claim,
};
use leptos::prelude::*;

use crate::api::{Api, Created, SubmitError};
use crate::attach::{self, AttachRule, Attachments, Rules};
use crate::draft::{Draft, DraftFile, Stage, saved};
use crate::i18n::Locale;
use crate::later::Later;
use crate::shop::Shop;

/// What the screens share. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Flow {
    pub locale: Locale,
    /// The site's today (from the server): claim windows count the site's days.
    pub today: CivilDate,
    pub site: StoredValue<String>,
    pub api: StoredValue<Api>,
    pub config: StoredValue<WidgetConfig>,
    pub draft: RwSignal<Draft>,
    /// The draft's files, as kept on the device.
    file_list: RwSignal<Vec<DraftFile>>,
    /// The claim's evidence at work (checks, uploads); made by the screens that need it,
    /// through [`Flow::attachments`].
    files: Later<Attachments>,
    pub filed: RwSignal<Option<Filed>>,
    /// Set when the shopper tried to move on: from then on every field shows its problems,
    /// touched or not.
    pub show_all: RwSignal<bool>,
    /// Polite announcements for screen readers (a file checked, an upload done).
    pub announce: RwSignal<String>,
    /// The store's signed word for who the shopper is: the ticket joins their account.
    identity: StoredValue<Option<String>>,
    checks: Later<Checks>,
}

/// The rulebook's verdicts on the draft, each worked out once per change. Made on first use,
/// by the screens after the start screen: the first load carries none of the rulebook's
/// checks.
#[derive(Clone, Copy)]
struct Checks {
    decision: Memo<Option<(Outcome, Option<WindowStatus>)>>,
    problems: Memo<Vec<Problem>>,
}

/// A request just filed, for the confirmation.
#[derive(Clone, Debug, PartialEq)]
pub struct Filed {
    pub ticket: Created,
    /// Where the store will answer (the draft that held it is gone).
    pub email: String,
}

impl Flow {
    pub fn new(shop: Shop, draft: Draft, files: Vec<DraftFile>, identity: Option<String>) -> Flow {
        let announce = RwSignal::new(String::new());
        Flow {
            locale: shop.locale,
            today: shop.today,
            site: shop.site,
            api: shop.api,
            config: shop.config,
            draft: RwSignal::new(draft),
            file_list: RwSignal::new(files),
            files: Later::new(),
            filed: RwSignal::new(None),
            show_all: RwSignal::new(false),
            announce,
            identity: StoredValue::new(identity),
            checks: Later::new(),
        }
    }

    /// The store says who the shopper is now (they signed in with the widget open).
    pub fn identify(&self, token: String) {
        self.identity.set_value(Some(token));
    }

    fn shop(&self) -> Shop {
        Shop {
            locale: self.locale,
            today: self.today,
            site: self.site,
            api: self.api,
            config: self.config,
        }
    }

    fn files(&self) -> Attachments {
        let (shop, list, announce) = (self.shop(), self.file_list, self.announce);
        self.files
            .get_or_make(move || Attachments::new(shop, list, announce))
    }

    /// The checks, made the first time a screen asks.
    fn checks(&self) -> Checks {
        let flow = *self;
        self.checks.get_or_make(move || flow.make_checks())
    }

    fn make_checks(self) -> Checks {
        let (shop, draft, file_list, today) = (self.shop(), self.draft, self.file_list, self.today);
        let order = self.order();
        let store_order = order.clone();
        // The store's day when it knows one; the shopper's otherwise.
        let delivered_on = Signal::derive(move || {
            store_order
                .with(|o| o.as_ref().and_then(|o| o.delivered_on))
                .or_else(|| draft.with(|d| d.claim.delivered_on.trim().parse::<CivilDate>().ok()))
        });
        let decision = Memo::new(move |_| {
            let (category, answers) =
                draft.with(|d| (d.category().map(str::to_owned), d.claim.answers.clone()));
            let delivered = delivered_on.get();
            shop.with_policy(|p| {
                let Ok(Node::Outcome(reached)) = p.step(category.as_deref()?, &answers) else {
                    return None;
                };
                let d = p.decide(reached, delivered, today)?;
                Some((d.outcome.clone(), d.window))
            })
        });
        let problems = Memo::new(move |_| {
            let (positions, evidence) = file_list.with(|files| attach::checked(files));
            let submission = draft.with(|d| Submission {
                claim: d.claim.clone(),
                // Files still being checked have no facts yet and are left out.
                evidence,
            });
            let items = draft.with(|d| {
                if d.order_found {
                    d.items.clone()
                } else {
                    Vec::new()
                }
            });
            let result = order.with(|order| {
                shop.with_policy(|p| {
                    validate_claim(p, &submission, order.as_ref(), &items, today).map(|_| ())
                })
            });
            attach::at_draft_positions(result.err().unwrap_or_default(), &positions)
        });
        self.files().bind(Rules {
            rule: Signal::derive(move || {
                decision.get().map(|(outcome, _)| AttachRule {
                    max_files: outcome.evidence.media.max_count,
                    outcome,
                })
            }),
            problems: problems.into(),
            delivered_on,
        });
        Checks { decision, problems }
    }

    /// The claim's evidence, checked against the outcome the answers lead to.
    pub fn attachments(&self) -> Attachments {
        self.checks();
        self.files()
    }

    /// The files of the draft, as kept on the device.
    pub fn file_list(&self) -> RwSignal<Vec<DraftFile>> {
        self.file_list
    }

    pub fn with_policy<R>(&self, f: impl FnOnce(&helpcenter_core::Policy) -> R) -> R {
        self.config.with_value(|c| f(&c.policy))
    }

    /// The order as the store described it, on a site that looks orders up: its delivery day
    /// is the one the claim window counts from. Not kept on the device (asked again). Beside
    /// the flow (one widget a page) rather than in it, and made by the chunk's screens, so the
    /// first open carries none of it.
    pub fn order(&self) -> ArcRwSignal<Option<StoreOrder>> {
        thread_local! {
            static ORDER: ArcRwSignal<Option<StoreOrder>> = ArcRwSignal::new(None);
        }
        ORDER.with(Clone::clone)
    }

    /// Whether the site looks orders up (and asks for the order first).
    pub fn order_lookup(&self) -> Option<helpcenter_api::OrderLookupMode> {
        self.config.with_value(|c| c.order_lookup)
    }

    pub fn go(&self, stage: Stage) {
        self.show_all.set(false);
        self.draft.update(|d| d.stage = stage);
    }

    /// The outcome the shopper's answers lead to, before any claim window is applied.
    pub fn reached(&self) -> Option<Outcome> {
        let (category, answers) = self
            .draft
            .with(|d| (d.category().map(str::to_owned), d.claim.answers.clone()));
        self.with_policy(|p| match p.step(category.as_deref()?, &answers) {
            Ok(Node::Outcome(o)) => Some(o.clone()),
            _ => None,
        })
    }

    /// The outcome the claim is filed under (a window's late route once it has closed) and
    /// where the window stands; `None` while it cannot be filed (no or bad delivery day, or
    /// a closed window without a late route).
    pub fn decision(&self) -> Option<(Outcome, Option<WindowStatus>)> {
        self.checks().decision.get()
    }

    pub fn delivered_on(&self) -> Option<CivilDate> {
        self.attachments().delivered_on()
    }

    /// Every problem with the request as it stands, at the draft's own file positions.
    pub fn problems(&self) -> Vec<Problem> {
        self.checks().problems.get()
    }

    /// The problems of one field, in the shopper's words.
    pub fn messages(&self, field: Field) -> Vec<String> {
        self.attachments().messages(field)
    }

    pub fn describe(&self, problems: &[Problem]) -> Vec<String> {
        self.attachments().describe(problems)
    }

    /// Files the request. A request that may have reached the server without an answer is
    /// sent again exactly as it was first, so it can never make two tickets.
    pub async fn submit(&self) -> Result<(), SubmitError> {
        let site = self.site.get_value();
        let api = self.api.get_value();
        loop {
            let uploads = self.files().upload_ids();
            let (key, pending, mut current) = self.draft.with_untracked(|d| {
                (
                    d.idempotency_key.clone(),
                    d.pending.clone(),
                    d.to_ticket(self.locale.tag(), uploads),
                )
            });
            current.identity_token = self.identity.get_value();
            let body = pending.clone().unwrap_or_else(|| current.clone());
            self.draft.update(|d| d.pending = Some(body.clone()));
            match api.create_ticket(&site, &key, &body).await {
                Ok(created) => {
                    self.finish(created).await;
                    return Ok(());
                }
                Err(e) if e.outcome_unknown() => return Err(e),
                Err(e) => {
                    // A definite no: nothing was filed under this key. Edits that follow
                    // make a different request, which gets a key of its own.
                    self.draft.update(|d| {
                        d.pending = None;
                        d.idempotency_key = crate::draft::random_key();
                    });
                    // The refused request was an older version: now send the current one.
                    if pending.is_some_and(|p| p != current) {
                        continue;
                    }
                    // An identity the server no longer takes (expired, say) must not stop
                    // the claim: it is filed as a guest's, found again by number, order
                    // and email.
                    if e.is_identity_refused() && self.identity.get_value().is_some() {
                        self.identity.set_value(None);
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn finish(&self, created: Created) {
        let site = self.site.get_value();
        saved::remember_ticket(
            &site,
            saved::FiledTicket {
                id: created.ticket_id.clone(),
                access_token: created.access_token.clone(),
                seen: 0,
            },
        );
        crate::bridge::tell("ticket:created", &[("ticketId", &created.ticket_id)]);
        let sent = self.files().release();
        let email = self
            .draft
            .with_untracked(|d| d.claim.email.trim().to_owned());
        self.draft.set(Draft::start());
        saved::discard(&site);
        self.filed.set(Some(Filed {
            ticket: created,
            email,
        }));
        Attachments::forget_sent(sent).await;
    }

    /// Forgets the draft; returns its files, whose uploads [`Flow::clean_up`] then stops and
    /// deletes from this device and the server. Split in two so the first screens, which can
    /// discard a kept draft, carry no IndexedDB or upload code.
    pub fn discard(&self) -> Vec<DraftFile> {
        let files = self.file_list.get_untracked();
        self.file_list.set(Vec::new());
        self.draft.set(Draft::start());
        saved::discard(&self.site.get_value());
        files
    }

    /// Stops the uploads of a discarded draft's `files` and deletes what they left.
    pub async fn clean_up(self, files: Vec<DraftFile>) {
        if let Some(at_work) = self.files.get() {
            at_work.stop();
        }
        attach::clean_up(self.api.get_value().base, attach::leftovers(&files)).await;
    }

    /// Whether every attached file has finished uploading.
    pub fn uploads_done(&self) -> bool {
        self.files().all_uploaded()
    }
}
