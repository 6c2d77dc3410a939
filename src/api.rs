//! HTTP calls to helpcenter-server, which serves this widget from the same origin.

pub use helpcenter_api::WidgetConfig;

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

pub async fn widget_config(site: &str) -> Result<WidgetConfig, ApiError> {
    get_json(&format!("/v1/sites/{}/widget-config", encode(site))).await
}

/// gloo-net rather than reqwest: reqwest's URL parser (with its IDNA tables) alone costs more
/// wasm than this whole API module.
async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(ApiError::Status(response.status()));
    }
    response.json().await.map_err(|_| ApiError::Body)
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
}
