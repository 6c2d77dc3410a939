//! "My requests": the tickets this device can open (their tokens kept since they were filed,
//! found again or opened from the shopper's account), plus, when the store says who the
//! shopper is, every ticket of theirs.

use helpcenter_core::TicketStatus;
use leptos::prelude::*;

use crate::api::{ApiError, Created, RecoverTicket, SubmitError};
use crate::draft::saved::{self, FiledTicket};
use crate::later::Later;
use crate::shop::Shop;

/// What the first load knows of the shopper's requests: who the shopper is, if the store
/// said, and how many requests have news (the start screen's marker). Everything else is
/// [`MyRequests`], made in the chunk on first use.
#[derive(Clone, Copy)]
pub struct Following {
    shop: Shop,
    /// The store's signed word for who the shopper is, when they are signed in.
    identity: StoredValue<Option<String>>,
    /// How many requests have news, once the server has been asked.
    pub news: RwSignal<usize>,
    /// The email the server says the identity token signs in (shown as "Signed in as …"),
    /// once asked; never taken from the token's own text. Empty: no one (a `String`, as the
    /// first open's other signals, rather than a signal type of its own).
    pub signed_in: RwSignal<String>,
    requests: Later<MyRequests>,
}

impl Following {
    pub fn new(shop: Shop, identity: Option<String>) -> Following {
        Following {
            shop,
            identity: StoredValue::new(identity.filter(|t| !t.trim().is_empty())),
            news: RwSignal::new(0),
            signed_in: RwSignal::new(String::new()),
            requests: Later::new(),
        }
    }

    /// The store says who the shopper is now (they signed in with the widget open).
    pub fn identify(&self, token: String) {
        self.identity.set_value(Some(token.clone()));
        if let Some(requests) = self.requests.get() {
            requests.identity.set(Some(token));
        }
        self.confirm_identity();
    }

    /// Asks the server whom the identity token signs in, for "Signed in as …"; a token it
    /// refuses (expired, forged, too long-lived) shows no one.
    pub fn confirm_identity(&self) {
        let this = *self;
        let Some(token) = this.identity.get_value() else {
            this.signed_in.set(String::new());
            return;
        };
        leptos::task::spawn_local(async move {
            let site = this.shop.site.get_value();
            let answer = this.shop.api.get_value().signed_in(&site, &token).await;
            // Only if the token is still the one asked about.
            if this.identity.try_get_value().flatten().as_deref() == Some(token.as_str()) {
                match answer {
                    Ok(who) => this.signed_in.set(who.email),
                    Err(ApiError::Status(_)) => this.signed_in.set(String::new()),
                    // Offline: ask again with the next identity, nothing shown meanwhile.
                    Err(_) => {}
                }
            }
        });
    }

    pub fn requests(&self) -> MyRequests {
        let this = *self;
        self.requests.get_or_make(move || MyRequests {
            shop: this.shop,
            kept: RwSignal::new(saved::tickets(&this.shop.site.get_value())),
            identity: RwSignal::new(this.identity.get_value()),
            rows: RwSignal::new(None),
            failed: RwSignal::new(false),
            news: this.news,
        })
    }
}

/// Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct MyRequests {
    pub shop: Shop,
    /// The tickets this device holds a token for, newest first.
    pub kept: RwSignal<Vec<FiledTicket>>,
    /// The store's signed word for who the shopper is, when they are signed in.
    pub identity: RwSignal<Option<String>>,
    /// What the server said of each, once asked.
    pub rows: RwSignal<Option<Vec<RequestRow>>>,
    /// The last attempt to ask failed (offline).
    pub failed: RwSignal<bool>,
    /// [`Following::news`], kept up to date.
    news: RwSignal<usize>,
}

/// One line of "my requests".
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRow {
    pub id: String,
    pub category: String,
    /// `None` when this device's token no longer opens it.
    pub status: Option<TicketStatus>,
    /// RFC 3339.
    pub updated_at: String,
    /// The newest event the shopper can see.
    pub latest_event: u32,
}

impl MyRequests {
    /// Reads the tickets this device keeps again (one was filed or found meanwhile).
    pub fn reload_kept(&self) {
        self.kept.set(saved::tickets(&self.shop.site.get_value()));
    }

    /// Whether there is anything to list (before asking the server).
    pub fn any(&self) -> bool {
        self.identity.with_untracked(Option::is_some) || self.kept.with_untracked(|k| !k.is_empty())
    }

    /// Whether the row has events the shopper has not seen on this device. A ticket only in
    /// the shopper's account, never opened here, is not marked: this device cannot know what
    /// they saw elsewhere.
    pub fn is_news(&self, row: &RequestRow) -> bool {
        self.kept.with(|kept| {
            kept.iter()
                .find(|t| t.id == row.id)
                .is_some_and(|t| row.latest_event > t.seen)
        })
    }

    /// Counts the requests with news again, for the start screen's marker.
    fn count_news(&self) {
        let count = self.rows.with_untracked(|rows| {
            rows.iter()
                .flatten()
                .filter(|row| {
                    self.kept.with_untracked(|kept| {
                        kept.iter()
                            .any(|t| t.id == row.id && row.latest_event > t.seen)
                    })
                })
                .count()
        });
        self.news.set(count);
    }

    pub fn token(&self, id: &str) -> Option<String> {
        self.kept.with_untracked(|kept| {
            kept.iter()
                .find(|t| t.id == id)
                .map(|t| t.access_token.clone())
        })
    }

    /// Keeps a ticket's token on this device.
    pub fn remember(&self, created: &Created) {
        let site = self.shop.site.get_value();
        saved::remember_ticket(
            &site,
            FiledTicket {
                id: created.ticket_id.clone(),
                access_token: created.access_token.clone(),
                seen: 0,
            },
        );
        self.kept.set(saved::tickets(&site));
    }

    /// Notes that the shopper has seen the ticket up to event `seq`.
    pub fn seen(&self, id: &str, seq: u32) {
        let site = self.shop.site.get_value();
        saved::mark_seen(&site, id, seq);
        self.kept.set(saved::tickets(&site));
        self.count_news();
    }

    /// Asks the server where each request stands.
    pub async fn refresh(self) {
        let api = self.shop.api.get_value();
        let site = self.shop.site.get_value();
        let kept = self.kept.get_untracked();
        let mut rows = Vec::new();
        let mut offline = false;
        for ticket in &kept {
            match api.ticket(&ticket.id, &ticket.access_token).await {
                Ok(view) => rows.push(RequestRow {
                    latest_event: view.timeline.last().map_or(0, |e| e.seq),
                    id: view.id,
                    category: view.category,
                    status: Some(view.status),
                    updated_at: view.updated_at,
                }),
                Err(e) if e.is_not_found() => rows.push(RequestRow {
                    id: ticket.id.clone(),
                    category: String::new(),
                    status: None,
                    updated_at: String::new(),
                    latest_event: 0,
                }),
                Err(_) => offline = true,
            }
        }
        if let Some(identity) = self.identity.get_untracked() {
            match api.my_tickets(&site, &identity).await {
                Ok(mine) => {
                    for summary in mine {
                        if rows.iter().any(|r| r.id == summary.id) {
                            continue;
                        }
                        rows.push(RequestRow {
                            id: summary.id,
                            category: summary.category,
                            status: Some(summary.status),
                            updated_at: summary.updated_at,
                            latest_event: summary.latest_event,
                        });
                    }
                }
                // An expired or refused identity: the device's own tickets still show.
                Err(ApiError::Status(_)) => {}
                Err(_) => offline = true,
            }
        }
        // Newest first: RFC 3339 in UTC sorts as text; tickets that cannot be opened go last.
        // An insertion sort (stable, as `sort_by`): a shopper has a handful of requests, and
        // the standard library's sort was 2.3 KB of the chunk.
        for i in 1..rows.len() {
            let mut j = i;
            while j > 0 && rows[j - 1].updated_at < rows[j].updated_at {
                rows.swap(j - 1, j);
                j -= 1;
            }
        }
        self.failed.set(offline && rows.is_empty());
        self.rows.set(Some(rows));
        self.count_news();
    }

    /// The token that opens ticket `id`: this device's, or a new one from the shopper's
    /// account, which is then kept.
    pub async fn open(self, id: &str) -> Result<String, ApiError> {
        // Filed or found a moment ago, maybe by another screen.
        self.reload_kept();
        if let Some(token) = self.token(id) {
            return Ok(token);
        }
        let identity = self.identity.get_untracked().ok_or(ApiError::Status(404))?;
        let api = self.shop.api.get_value();
        let created = api
            .access(&self.shop.site.get_value(), id, &identity)
            .await?;
        self.remember(&created);
        Ok(created.access_token)
    }

    /// Finds a ticket again by its number, order number and email, and keeps its new token.
    pub async fn recover(self, request: RecoverTicket) -> Result<String, SubmitError> {
        let api = self.shop.api.get_value();
        let created = api.recover(&self.shop.site.get_value(), &request).await?;
        self.remember(&created);
        Ok(created.ticket_id)
    }
}
