//! HTTP calls to helpcenter-server. In the embed the widget is served by the server itself and
//! calls it on its own origin (`base` is empty); tests point `base` at a server elsewhere.

use helpcenter_api::NewTicket;
pub use helpcenter_api::WidgetConfig;
use helpcenter_core::Problem;
use serde::Deserialize;

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

/// What the widget keeps of `TicketCreated`: reading only these fields keeps the whole
/// ticket view's decoder out of the first load.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Created {
    pub ticket_id: String,
    pub access_token: String,
    pub ticket: CreatedTicket,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CreatedTicket {
    pub outcome: String,
    /// RFC 3339: when the store promised a first answer by.
    pub respond_by: String,
}

/// Why filing a ticket did not (yet) work.
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
        code: String,
        problems: Vec<Problem>,
    },
}

impl SubmitError {
    /// Whether the request may have made a ticket after all.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, SubmitError::Network | SubmitError::Server(_))
    }
}

/// The parts of an RFC 9457 problem the widget acts on.
#[derive(Deserialize)]
struct ProblemDetails {
    code: String,
    #[serde(default)]
    problems: Vec<Problem>,
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

    pub async fn widget_config(&self, site: &str) -> Result<WidgetConfig, ApiError> {
        let url = self.url(&format!("/v1/sites/{}/widget-config", encode(site)));
        let response = gloo_net::http::Request::get(&url)
            .send()
            .await
            .map_err(|_| ApiError::Network)?;
        if !response.ok() {
            return Err(ApiError::Status(response.status()));
        }
        response.json().await.map_err(|_| ApiError::Body)
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
        let request = gloo_net::http::Request::post(&url)
            .header("Idempotency-Key", idempotency_key)
            .json(ticket)
            .map_err(|_| SubmitError::Network)?;
        let response = request.send().await.map_err(|_| SubmitError::Network)?;
        let status = response.status();
        if response.ok() {
            return response
                .json()
                .await
                .map_err(|_| SubmitError::Server(status));
        }
        if status >= 500 || status == 429 || status == 408 {
            return Err(SubmitError::Server(status));
        }
        match response.json::<ProblemDetails>().await {
            Ok(details) => Err(SubmitError::Refused {
                code: details.code,
                problems: details.problems,
            }),
            Err(_) => Err(SubmitError::Server(status)),
        }
    }
}

/// Percent-encodes a path segment (site keys are plain, but the URL is the shopper's to edit).
fn encode(segment: &str) -> String {
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
