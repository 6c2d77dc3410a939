//! HTTP calls to helpcenter-server. In the embed the widget is served by the server itself and
//! calls it on its own origin (`base` is empty); tests point `base` at a server elsewhere.

use gloo_net::http::{Request, RequestBuilder, Response};
use helpcenter_api::{ErrorCode, NewTicket, ProblemDetails};
pub use helpcenter_api::{
    Escalation, RecoverTicket, Reply, TicketEvent, TicketSummary, TicketView, WidgetConfig,
};
use helpcenter_core::Problem;
use helpcenter_core::json::{FromJson, Json, ToJson};

/// Where the server is, for the widget's whole life.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Api {
    /// `""` for the page's own origin, else e.g. `http://127.0.0.1:18080`.
    pub base: String,
}

/// Why the widget could not talk to the server; shown to the shopper in their language.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("the server could not be reached")]
    Network,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the server's answer could not be read")]
    Body,
}

impl ApiError {
    /// The server does not know the ticket, or the token does not open it: it does not say
    /// which, so that ticket numbers cannot be probed.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Status(404))
    }
}

/// What the widget keeps of `TicketCreated`: reading only these fields keeps the whole
/// ticket view's decoder out of the first load.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    pub ticket_id: String,
    pub access_token: String,
    pub ticket: CreatedTicket,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreatedTicket {
    pub outcome: String,
    /// RFC 3339: when the store promised a first answer by.
    pub respond_by: String,
}

/// What the widget keeps of the answer to a mail's link: the token, and the site it is of.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkOpened {
    pub ticket_id: String,
    pub access_token: String,
    pub ticket: LinkedTicket,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LinkedTicket {
    pub site: String,
}

// Read by hand (`helpcenter_core::json`), as everything the widget reads: serde_json's
// decoders would cost the filing journey tens of kilobytes. Members not named are ignored.

impl FromJson for Created {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Created {
            ticket_id: json.field("ticket_id")?,
            access_token: json.field("access_token")?,
            ticket: json.field("ticket")?,
        })
    }
}

impl FromJson for CreatedTicket {
    fn from_json(json: &Json) -> Option<Self> {
        Some(CreatedTicket {
            outcome: json.field("outcome")?,
            respond_by: json.field("respond_by")?,
        })
    }
}

impl FromJson for LinkOpened {
    fn from_json(json: &Json) -> Option<Self> {
        Some(LinkOpened {
            ticket_id: json.field("ticket_id")?,
            access_token: json.field("access_token")?,
            ticket: json.field("ticket")?,
        })
    }
}

impl FromJson for LinkedTicket {
    fn from_json(json: &Json) -> Option<Self> {
        Some(LinkedTicket {
            site: json.field("site")?,
        })
    }
}

/// Why a fresh link could not be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkAsk {
    /// Asked too often from here: wait this many seconds, when the server said.
    TooMany(Option<u32>),
    /// Not reached, or not taken: try again.
    Failed,
}

/// Why sending something to the server (a claim, a reply, a dispute) did not (yet) work.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SubmitError {
    /// No answer: the ticket may or may not exist. Send the same request again.
    #[error("the server could not be reached")]
    Network,
    /// The server failed or is overloaded: the same holds.
    #[error("the server answered {0}")]
    Server(u16),
    /// A definite no; nothing was filed.
    #[error("the server refused the request: {code}")]
    Refused {
        code: ErrorCode,
        problems: Vec<Problem>,
    },
}

impl SubmitError {
    /// Whether the request may have made a ticket after all.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, SubmitError::Network | SubmitError::Server(_))
    }

    /// The server refused the store's identity token (expired, forged, not configured).
    pub fn is_identity_refused(&self) -> bool {
        matches!(self, SubmitError::Refused { code, .. } if code.is_identity())
    }
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The first load does this.
    pub async fn widget_config(&self, site: &str) -> Result<WidgetConfig, ApiError> {
        let url = self.url(&format!("/v1/sites/{}/widget-config", encode(site)));
        let response = Request::get(&url)
            .send()
            .await
            .map_err(|_| ApiError::Network)?;
        if !response.ok() {
            return Err(ApiError::Status(response.status()));
        }
        let text = response.text().await.map_err(|_| ApiError::Body)?;
        Json::parse(&text)
            .and_then(|json| WidgetConfig::from_json(&json))
            .ok_or(ApiError::Body)
    }

    /// A ticket as its shopper sees it, opened with its access token.
    pub async fn ticket(&self, id: &str, token: &str) -> Result<TicketView, ApiError> {
        let url = self.url(&format!("/v1/tickets/{}", encode(id)));
        read(Request::get(&url).header("Authorization", &format!("Bearer {token}"))).await
    }

    /// The signed-in shopper's tickets, with the store's identity token.
    pub async fn my_tickets(
        &self,
        site: &str,
        identity: &str,
    ) -> Result<Vec<TicketSummary>, ApiError> {
        let url = self.url(&format!("/v1/sites/{}/tickets", encode(site)));
        read(Request::get(&url).header("Authorization", &format!("Bearer {identity}"))).await
    }

    /// Who the store's identity token signs in, as the server checked it.
    pub async fn signed_in(
        &self,
        site: &str,
        identity: &str,
    ) -> Result<helpcenter_api::SignedIn, ApiError> {
        let url = self.url(&format!("/v1/sites/{}/identity", encode(site)));
        read(Request::get(&url).header("Authorization", &format!("Bearer {identity}"))).await
    }

    /// A token of their own for one of the signed-in shopper's tickets.
    pub async fn access(&self, site: &str, id: &str, identity: &str) -> Result<Created, ApiError> {
        let url = self.url(&format!(
            "/v1/sites/{}/tickets/{}/access",
            encode(site),
            encode(id)
        ));
        read(Request::post(&url).header("Authorization", &format!("Bearer {identity}"))).await
    }

    /// Finds a ticket again by its number, order number and email; a new token for it.
    pub async fn recover(
        &self,
        site: &str,
        request: &RecoverTicket,
    ) -> Result<Created, SubmitError> {
        let url = self.url(&format!("/v1/sites/{}/tickets/recover", encode(site)));
        send(Request::post(&url), request).await
    }

    /// Asks the server to mail a fresh link to the ticket to `email`, if the ticket was filed
    /// with it. The server answers alike whether or not it was, so `Ok` says only that the
    /// request was taken.
    pub async fn send_link(&self, site: &str, ticket_id: &str, email: &str) -> Result<(), LinkAsk> {
        let url = self.url(&format!("/v1/sites/{}/tickets/recover/link", encode(site)));
        let body = helpcenter_api::LinkRequest {
            ticket_id: ticket_id.to_owned(),
            email: email.to_owned(),
        };
        let request = json_body(Request::post(&url), &body).map_err(|_| LinkAsk::Failed)?;
        let response = request.send().await.map_err(|_| LinkAsk::Failed)?;
        match response.status() {
            202 => Ok(()),
            429 => Err(LinkAsk::TooMany(
                response
                    .headers()
                    .get("retry-after")
                    .and_then(|s| s.trim().parse().ok()),
            )),
            _ => Err(LinkAsk::Failed),
        }
    }

    /// Exchanges the secret of the link in a mail for this device's token to the ticket.
    pub async fn open_link(&self, id: &str, secret: &str) -> Result<LinkOpened, SubmitError> {
        let url = self.url(&format!("/v1/tickets/{}/link", encode(id)));
        send(
            Request::post(&url),
            &helpcenter_api::LinkExchange {
                secret: secret.to_owned(),
            },
        )
        .await
    }

    /// Answers the store's request for information.
    pub async fn reply(
        &self,
        id: &str,
        token: &str,
        reply: &Reply,
    ) -> Result<TicketView, SubmitError> {
        let url = self.url(&format!("/v1/tickets/{}/replies", encode(id)));
        send(
            Request::post(&url).header("Authorization", &format!("Bearer {token}")),
            reply,
        )
        .await
    }

    /// Disputes how the ticket is handled (§IV).
    pub async fn escalate(
        &self,
        id: &str,
        token: &str,
        escalation: &Escalation,
    ) -> Result<TicketView, SubmitError> {
        let url = self.url(&format!("/v1/tickets/{}/escalate", encode(id)));
        send(
            Request::post(&url).header("Authorization", &format!("Bearer {token}")),
            escalation,
        )
        .await
    }

    /// Where a ticket's events stream from, after event `after`. The token goes in the
    /// address because `EventSource` cannot send headers; the server never logs it.
    pub fn events_url(&self, id: &str, token: &str, after: u32) -> String {
        self.url(&format!(
            "/v1/tickets/{}/events?access_token={}&last_event_id={after}",
            encode(id),
            encode(token)
        ))
    }

    /// A file the shopper sent with a ticket, for its thumbnail.
    pub async fn evidence(&self, path: &str, token: &str) -> Result<web_sys::Blob, ApiError> {
        let response = Request::get(&self.url(path))
            .header("Authorization", &format!("Bearer {token}"))
            .send()
            .await
            .map_err(|_| ApiError::Network)?;
        if !response.ok() {
            return Err(ApiError::Status(response.status()));
        }
        let bytes = response.binary().await.map_err(|_| ApiError::Body)?;
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let options = web_sys::BlobPropertyBag::new();
        if let Some(kind) = response.headers().get("content-type") {
            options.set_type(&kind);
        }
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
            .map_err(|_| ApiError::Body)
    }

    /// Files the claim. The same `idempotency_key` and `ticket` always make one ticket, so a
    /// retry after [`SubmitError::outcome_unknown`] is safe.
    pub async fn create_ticket(
        &self,
        site: &str,
        idempotency_key: &str,
        ticket: &NewTicket,
    ) -> Result<Created, SubmitError> {
        let url = self.url(&format!("/v1/sites/{}/tickets", encode(site)));
        send(
            Request::post(&url).header("Idempotency-Key", idempotency_key),
            ticket,
        )
        .await
    }

    /// Asks the store, through the server, for the order with this number and email.
    pub async fn look_up_order(
        &self,
        site: &str,
        ask: &helpcenter_api::OrderLookup,
    ) -> Result<helpcenter_core::StoreOrder, SubmitError> {
        let url = self.url(&format!("/v1/sites/{}/orders/lookup", encode(site)));
        send(Request::post(&url), ask).await
    }
}

/// A GET-like request whose answer is JSON.
async fn read<T: FromJson>(request: RequestBuilder) -> Result<T, ApiError> {
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(ApiError::Status(response.status()));
    }
    decode(&response).await.ok_or(ApiError::Body)
}

/// The response's body as a `T`, if it is JSON that holds one.
async fn decode<T: FromJson>(response: &Response) -> Option<T> {
    let text = response.text().await.ok()?;
    T::from_json(&Json::parse(&text)?)
}

/// `request` with `body` as its JSON body.
fn json_body(request: RequestBuilder, body: &impl ToJson) -> Result<Request, gloo_net::Error> {
    request
        .header("Content-Type", "application/json")
        .body(body.to_json())
}

/// Sends `body` as JSON and tells a definite no (with the server's problems) from an answer
/// that may never have come.
async fn send<T: FromJson>(request: RequestBuilder, body: &impl ToJson) -> Result<T, SubmitError> {
    let request = json_body(request, body).map_err(|_| SubmitError::Network)?;
    let response = request.send().await.map_err(|_| SubmitError::Network)?;
    answer(response).await
}

async fn answer<T: FromJson>(response: Response) -> Result<T, SubmitError> {
    let status = response.status();
    if response.ok() {
        return decode(&response).await.ok_or(SubmitError::Server(status));
    }
    if status >= 500 || status == 429 || status == 408 {
        return Err(SubmitError::Server(status));
    }
    match decode::<ProblemDetails>(&response).await {
        Some(details) => Err(SubmitError::Refused {
            code: details.code,
            problems: details.problems.unwrap_or_default(),
        }),
        None => Err(SubmitError::Server(status)),
    }
}

/// Percent-encodes a path segment (site keys are plain, but the URL is the shopper's to edit).
pub(crate) fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn site_keys_cannot_escape_their_path_segment() {
        assert_eq!(super::encode("demo"), "demo");
        assert_eq!(super::encode("../admin?x=1"), "..%2Fadmin%3Fx%3D1");
    }

    #[test]
    fn the_base_never_doubles_a_slash() {
        assert_eq!(
            super::Api::new("http://h:1/").url("/v1/x"),
            "http://h:1/v1/x"
        );
        assert_eq!(super::Api::default().url("/v1/x"), "/v1/x");
    }
}
