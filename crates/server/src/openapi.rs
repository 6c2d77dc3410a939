//! The OpenAPI 3.1 document of the HTTP API, served at `GET /v1/openapi.json`.
//!
//! Generated from the code: each handler's `#[utoipa::path]` attribute, and the JSON Schemas that
//! `helpcenter-api` and `helpcenter-core` derive behind their `openapi` feature (which only the
//! server turns on, so the widget's wasm carries none of this). The paths are the routes of
//! [`crate::app::api`], which registers each handler with `utoipa_axum::routes!`: routing an
//! endpoint is documenting it, and serves the whole document ([`crate::app::document`]).
//! [`ApiDoc`] adds what is not a route's: the description, the tags, the security schemes.

pub use helpcenter_api::ProblemDetails;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Help Center API",
        description = "The API of helpcenter-server: the widget's public API (site configuration, \
            tickets, live events), resumable evidence uploads over tus 1.0, and the agents' admin \
            API.\n\n\
            Every error is answered as RFC 9457 problem details (`application/problem+json`, see \
            the `ProblemDetails` schema) with a stable `code` to match on, never the English \
            `detail`. Public endpoints are rate limited per address and per site (429 with \
            `Retry-After`). JSON bodies are limited to 64 KiB; a body that is not the JSON an \
            operation expects is refused before its handler runs, as problem details too: \
            `request.json_syntax` (400), `request.too_large` (413), `request.content_type` \
            (415), `request.json_invalid` (422); a bad query string as `request.query_invalid` \
            (400). An address not served answers 404 `not_found`; one served with other methods \
            405 `method_not_allowed` with `Allow`."
    ),
    components(schemas(
        ProblemDetails,
        Health,
        helpcenter_api::console::DueFilter,
        helpcenter_api::console::InboxSort,
        helpcenter_api::StoreOrderAnswer,
        helpcenter_api::WebhookPayload,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "widget", description = "What the widget loads before the shopper starts."),
        (name = "tickets", description = "The shopper's tickets: file, read, follow live, answer, dispute, list and open one's own, recover."),
        (name = "orders", description = "Order lookup: the store's order system, asked for an order by number and email. The store implements `POST` of an `OrderLookup` body signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and answers a `StoreOrderAnswer`; see the README, \"Order lookup\"."),
        (name = "uploads", description = "Evidence uploads over tus 1.0 (core, creation, termination, expiration, checksum with sha1). Sizes are checked before a byte is stored and types are sniffed from the bytes."),
        (name = "admin", description = "The agents' API, authorised by the site's admin key. Never granted to browsers by CORS."),
        (name = "console", description = "The agents' console at /console/: sign in with email and password, then a session cookie (HttpOnly, SameSite=Strict) authorises each request; requests that change something must carry the console's own `Origin`. Everything is scoped to the agent's site."),
        (name = "webhooks", description = "The store's systems told of ticket events. Each `[[sites.webhooks]]` endpoint of the config is POSTed a `WebhookPayload` (JSON: `type`, `timestamp`, `data` with the ticket's summary and the event) for each event it subscribes to: `ticket.created`, `ticket.status_changed`, `ticket.shopper_replied`, `ticket.escalated`, `ticket.info_requested`, `ticket.agent_replied`, `ticket.note_added`, `ticket.assigned`. Signed the Standard Webhooks way, so a stock library verifies it: headers `webhook-id` (`msg_…`, the same on every attempt: drop a copy you have seen), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}` with the bytes of the `whsec_` secret; one per secret in use, space apart, while a rotation overlaps). Answer 2xx within 15 s; anything else is retried with exponential back-off for 24 hours, one ticket's deliveries to one endpoint in order. Redirects are not followed; only public https addresses are reached. These operations are the delivery log, sending again, and secret rotation, authorised by the site's admin key."),
        (name = "service", description = "Liveness and this document."),
    )
)]
pub struct ApiDoc;

/// The refusals many endpoints share, declared once: each is a response of the document
/// (`responses(…, responses::Internal)` in a handler's `#[utoipa::path]`), with a
/// [`ProblemDetails`] body as `application/problem+json`. Refusals particular to one endpoint
/// stay with it, written out.
pub mod responses {
    use utoipa::IntoResponses;

    use super::ProblemDetails;

    /// The API failed; nothing a client can fix.
    #[derive(IntoResponses)]
    #[response(
        status = 500,
        description = "`internal`: the server failed; retry later.",
        content_type = "application/problem+json"
    )]
    pub struct Internal(pub ProblemDetails);

    /// A public endpoint's limits, per address and per site.
    #[derive(IntoResponses)]
    #[response(status = 429, description = "`rate_limited`: too many requests from this address or for this site.", content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")))]
    pub struct RateLimited(pub ProblemDetails);

    /// A shopper's ticket without its token.
    #[derive(IntoResponses)]
    #[response(
        status = 401,
        description = "`auth.token_required`: no access token for this ticket (`Authorization: Bearer`).",
        content_type = "application/problem+json"
    )]
    pub struct TokenRequired(pub ProblemDetails);

    /// A shopper's ticket the token does not open.
    #[derive(IntoResponses)]
    #[response(
        status = 404,
        description = "`ticket.not_found`: no such ticket, or the token does not open it (the same answer, so ids cannot be probed).",
        content_type = "application/problem+json"
    )]
    pub struct TicketNotFound(pub ProblemDetails);

    /// The signed-in customer's endpoints, without a good identity token.
    #[derive(IntoResponses)]
    #[response(
        status = 401,
        description = "`auth.token_required`: no identity token; `identity.malformed`, `identity.bad_signature` (forged or another site's), `identity.expired`; `identity.lifetime_too_long`: valid for longer than the site's `identity_max_lifetime_hours`.",
        content_type = "application/problem+json"
    )]
    pub struct IdentityRefused(pub ProblemDetails);

    /// Every admin endpoint, without the site's admin key.
    #[derive(IntoResponses)]
    #[response(
        status = 401,
        description = "`auth.admin_key_required`: no admin key, or one no site has.",
        content_type = "application/problem+json"
    )]
    pub struct AdminKeyRequired(pub ProblemDetails);

    /// An admin endpoint's ticket the key's site does not have.
    #[derive(IntoResponses)]
    #[response(
        status = 404,
        description = "`ticket.not_found`: the site has no such ticket.",
        content_type = "application/problem+json"
    )]
    pub struct SiteTicketNotFound(pub ProblemDetails);

    /// No room left to write on the server's disk: nothing half-written, retry later.
    #[derive(IntoResponses)]
    #[response(
        status = 507,
        description = "`storage.full`: the server's disk is (nearly) full; nothing was saved. Retry later (an upload resumes from the offset HEAD reports).",
        content_type = "application/problem+json"
    )]
    pub struct StorageFull(pub ProblemDetails);

    /// tus: the upload failed on the server.
    #[derive(IntoResponses)]
    #[response(
        status = 500,
        description = "`internal`.",
        content_type = "application/problem+json"
    )]
    pub struct TusInternal(pub ProblemDetails);

    /// An agent's message longer than a shopper's may be: refused as a shopper's reply is.
    #[derive(IntoResponses)]
    #[response(
        status = 422,
        description = "`submission.invalid`: `problems` has `message.too_long` for `message`, as a shopper's reply would.",
        content_type = "application/problem+json"
    )]
    pub struct AgentMessageTooLong(pub ProblemDetails);

    /// Every console endpoint, without a session that opens it now.
    #[derive(IntoResponses)]
    #[response(
        status = 401,
        description = "`console.session_required`: not signed in, or signed out; `console.session_expired`: sign in again; `console.agent_disabled`: the agent's account was disabled.",
        content_type = "application/problem+json"
    )]
    pub struct SessionRefused(pub ProblemDetails);

    /// Every console endpoint that changes something, from another origin.
    #[derive(IntoResponses)]
    #[response(
        status = 403,
        description = "`console.origin_refused`: the request's `Origin` is not the console's (or there is none); nothing was changed.",
        content_type = "application/problem+json"
    )]
    pub struct OriginRefused(pub ProblemDetails);

    /// A console ticket the agent's site does not have.
    #[derive(IntoResponses)]
    #[response(
        status = 404,
        description = "`ticket.not_found`: the agent's site has no such ticket (another site's tickets are not found either).",
        content_type = "application/problem+json"
    )]
    pub struct ConsoleTicketNotFound(pub ProblemDetails);

    /// tus: the public limits.
    #[derive(IntoResponses)]
    #[response(status = 429, description = "`rate_limited`.", content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait before trying again.")))]
    pub struct TusRateLimited(pub ProblemDetails);

    /// tus: a request without `Tus-Resumable: 1.0.0`.
    #[derive(IntoResponses)]
    #[response(
        status = 412,
        description = "`upload.tus_version`.",
        content_type = "application/problem+json"
    )]
    pub struct TusVersion(pub ProblemDetails);

    /// What a JSON body that is not JSON, or not the JSON the operation takes, is refused with
    /// before the handler runs (`routes::extract::JsonBody`), by status.
    pub const JSON_BODY_REFUSALS: [(&str, &str); 4] = [
        (
            "400",
            "`request.json_syntax`: the body is not JSON (or is cut short); `request.body_unreadable`: the body could not be read.",
        ),
        (
            "413",
            "`request.too_large`: the body is larger than 64 KiB.",
        ),
        (
            "415",
            "`request.content_type`: the body is not sent as `Content-Type: application/json`.",
        ),
        (
            "422",
            "`request.json_invalid`: the body is JSON, but a field is missing or of the wrong type (`detail` names it).",
        ),
    ];

    /// What a query string that does not fit the operation's parameters is refused with
    /// (`routes::extract::QueryParams`).
    pub const QUERY_REFUSAL: (&str, &str) = (
        "400",
        "`request.query_invalid`: a query parameter is not of its type or value set (`detail` names it).",
    );

    /// What an address segment that cannot be read is refused with (`routes::extract::PathParams`).
    pub const PATH_REFUSAL: (&str, &str) = (
        "400",
        "`request.path_invalid`: a segment of the address cannot be read (percent-encoded bytes that are not UTF-8).",
    );

    /// What an operation under the server's overall time for one request answers when it runs
    /// out (`app::api`'s `bounded`).
    pub const TIMEOUT_REFUSAL: (&str, &str) = (
        "408",
        "`request.timeout`: the server did not answer within 30 s; retry.",
    );

    /// Operations without the overall timeout: event streams (long-lived), tus (bounded by its
    /// own idle timeout instead), and the health checks and the document.
    const UNBOUNDED: [&str; 5] = [
        "ticket_events",
        "console_events",
        "healthz",
        "readyz",
        "openapi_document",
    ];

    /// Adds to each operation the refusals its request's shape can meet before its handler
    /// runs: a JSON body's, a query string's, an address segment's. Added here, once, so no
    /// operation can leave them out; a status the operation lists already (its own 400 or 422)
    /// keeps one entry, whose description then names every code of that status.
    pub fn add_request_refusals(document: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;

        for item in document.paths.paths.values_mut() {
            let path_level_query = item
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Query);
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
                &mut item.head,
                &mut item.options,
            ]
            .into_iter()
            .flatten()
            {
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                let parameters = operation.parameters.iter().flatten();
                let (mut query, mut path) = (path_level_query, false);
                for parameter in parameters {
                    query |= parameter.parameter_in == ParameterIn::Query;
                    path |= parameter.parameter_in == ParameterIn::Path;
                }
                let mut refusals = Vec::new();
                if json_body {
                    refusals.extend(JSON_BODY_REFUSALS);
                }
                if query {
                    refusals.push(QUERY_REFUSAL);
                }
                if path {
                    refusals.push(PATH_REFUSAL);
                }
                let id = operation.operation_id.as_deref().unwrap_or_default();
                if !id.starts_with("tus_") && !UNBOUNDED.contains(&id) {
                    refusals.push(TIMEOUT_REFUSAL);
                }
                for (status, description) in refusals {
                    add_refusal(&mut operation.responses, status, description);
                }
            }
        }
    }

    /// One entry per status: a new one with a problem-details body, or the operation's own
    /// with `description` appended (once).
    fn add_refusal(responses: &mut utoipa::openapi::Responses, status: &str, description: &str) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        match responses.responses.get_mut(status) {
            Some(RefOr::T(response)) => {
                if !response.description.contains(description) {
                    response.description = format!("{} {description}", response.description);
                }
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemDetails")))
                    .build();
                let response = ResponseBuilder::new()
                    .description(description)
                    .content("application/problem+json", content)
                    .build();
                responses
                    .responses
                    .insert(status.to_owned(), RefOr::T(response));
            }
        }
    }

    /// tus: an upload that is not (or no longer) there.
    #[derive(IntoResponses)]
    #[response(
        status = 404,
        description = "`upload.not_found`.",
        content_type = "application/problem+json"
    )]
    pub struct UploadNotFound(pub ProblemDetails);
}

/// The one value of tus's `Tus-Resumable` header this server speaks (anything else, or none,
/// is answered 412 `upload.tus_version`).
#[derive(ToSchema)]
#[schema(example = "1.0.0")]
pub enum TusResumable {
    #[schema(rename = "1.0.0")]
    V1_0_0,
}

/// What `GET /healthz` answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// The server's version.
    #[schema(example = "0.1.0")]
    pub version: String,
}

/// The ways a request is authorised: three `Authorization: Bearer` tokens, and the agents'
/// console session cookie.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ticket_token",
            bearer(
                "The shopper's access token for one ticket, as `TicketCreated.access_token` \
                 (from creating, recovering or opening one's own ticket). The event stream \
                 also takes it as the `access_token` query parameter, since `EventSource` \
                 cannot send headers.",
            ),
        );
        // The same token as a query parameter: the one way `EventSource` can send it.
        components.add_security_scheme(
            "ticket_token_query",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Query(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "access_token",
                    "The shopper's access token for one ticket, for its event stream \
                     (`EventSource` cannot send `Authorization`).",
                ),
            )),
        );
        components.add_security_scheme(
            "admin_key",
            bearer(
                "The site's admin key (stored hashed; the demo site's is printed when the server \
                 starts). It opens that site's tickets only.",
            ),
        );
        components.add_security_scheme(
            "agent_session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    crate::agents::SESSION_COOKIE,
                    "A signed-in agent's console session, set by `POST /v1/console/session` \
                     (HttpOnly, SameSite=Strict, Secure over https; 12 hours at most). Kept in \
                     the database by its hash: signing out or disabling the agent ends it at once.",
                ),
            )),
        );
        components.add_security_scheme(
            "identity_token",
            bearer(
                "Signed by the merchant's backend for a customer signed in to the store: \
                 HMAC-SHA256 with the site's identity secret over site, customer id, email and \
                 expiry. Forged, expired or another site's tokens are refused.",
            ),
        );
    }
}

/// Which status may follow which, from `helpcenter-core`'s rule itself: added to the
/// description of every operation that changes a ticket's status and of `TicketStatus`, so
/// the document cannot drift from the server.
pub fn describe_lifecycle(document: &mut utoipa::openapi::OpenApi) {
    let table = helpcenter_core::ticket::lifecycle_table();
    for item in document.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.get].into_iter().flatten() {
            let changes_status = matches!(
                operation.operation_id.as_deref(),
                Some("admin_transition_ticket" | "console_transition")
            );
            if changes_status {
                let description = operation.description.get_or_insert_with(String::new);
                description.push_str("\n\nWhich status may follow which:\n\n");
                description.push_str(&table);
            }
        }
    }
    if let Some(components) = document.components.as_mut()
        && let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(status))) =
            components.schemas.get_mut("TicketStatus")
    {
        let description = status.description.get_or_insert_with(String::new);
        description.push_str("\n\nWhich status may follow which:\n\n");
        description.push_str(&table);
    }
}

/// Event streams as OpenAPI 3.2 describes them, and as clients (EventSource, schemathesis)
/// read them: each event an object with `event`, `id` and `data`, whose `data` is the JSON
/// text of the schema the route names (`contentMediaType` + `contentSchema`), not that schema
/// itself.
pub fn describe_event_streams(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;

    for item in document.paths.paths.values_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        for response in operation.responses.responses.values_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            if let Some(stream) = response.content.get_mut("text/event-stream")
                && let Some(payload) = stream.schema.take()
            {
                stream.schema = Some(stream_event(payload));
            }
        }
    }
}

/// One Server-Sent Event whose `data` is `payload` as JSON.
fn stream_event(
    payload: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::extensions::Extensions;
    use utoipa::openapi::schema::{ObjectBuilder, Type};

    let text = || ObjectBuilder::new().schema_type(Type::String);
    let mut data = text()
        .description(Some("The event as JSON (see `contentSchema`)."))
        .content_media_type("application/json")
        .build();
    let mut extensions = Extensions::default();
    extensions.insert(
        "contentSchema".to_owned(),
        serde_json::to_value(&payload).unwrap_or_default(),
    );
    data.extensions = Some(extensions);
    ObjectBuilder::new()
        .property("event", text().description(Some("The event's name.")))
        .property(
            "id",
            text().description(Some("Its position, sent back as `Last-Event-ID`.")),
        )
        .property("data", data)
        .required("data")
        .into()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::openapi::path::{HttpMethod, Operation};
    use utoipa::openapi::{RefOr, Required};

    use crate::app::document;

    fn method_name(method: &HttpMethod) -> &'static str {
        match method {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
            HttpMethod::Head => "head",
            HttpMethod::Options => "options",
            HttpMethod::Trace => "trace",
        }
    }

    fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<(String, &'static str, &Operation)> {
        let mut all = Vec::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Patch, &item.patch),
                (HttpMethod::Delete, &item.delete),
                (HttpMethod::Head, &item.head),
                (HttpMethod::Options, &item.options),
                (HttpMethod::Trace, &item.trace),
            ];
            for (method, operation) in methods {
                if let Some(operation) = operation {
                    all.push((path.clone(), method_name(&method), operation));
                }
            }
        }
        all
    }

    #[test]
    fn every_error_is_problem_details_and_every_security_scheme_exists() {
        let doc = document();
        let components = doc.components.as_ref().expect("components");
        for name in [
            "ticket_token",
            "ticket_token_query",
            "admin_key",
            "identity_token",
        ] {
            assert!(
                components.security_schemes.contains_key(name),
                "no security scheme {name}"
            );
        }
        let problem_ref = "#/components/schemas/ProblemDetails";
        for (path, method, operation) in operations(&doc) {
            for requirement in operation.security.iter().flatten() {
                let value = serde_json::to_value(requirement).expect("json");
                for name in value.as_object().expect("object").keys() {
                    assert!(
                        components.security_schemes.contains_key(name),
                        "{method} {path}: unknown scheme {name}"
                    );
                }
            }
            assert!(
                operation.responses.responses.contains_key("200")
                    || operation.responses.responses.contains_key("201")
                    || operation.responses.responses.contains_key("202")
                    || operation.responses.responses.contains_key("204"),
                "{method} {path} has no success response"
            );
            for (status, response) in &operation.responses.responses {
                let RefOr::T(response) = response else {
                    panic!("{method} {path} {status}: a response by reference");
                };
                if !status.starts_with(['4', '5']) || method == "head" {
                    continue;
                }
                let content = response
                    .content
                    .get("application/problem+json")
                    .unwrap_or_else(|| panic!("{method} {path} {status}: not problem details"));
                let schema = serde_json::to_value(&content.schema).expect("json");
                assert_eq!(schema["$ref"], problem_ref, "{method} {path} {status}");
            }
        }
        let RefOr::T(utoipa::openapi::schema::Schema::Object(problem)) =
            &components.schemas["ProblemDetails"]
        else {
            panic!("ProblemDetails is not an object schema");
        };
        let properties: Vec<&str> = problem.properties.keys().map(String::as_str).collect();
        let required: Vec<&str> = problem.required.iter().map(String::as_str).collect();
        assert_eq!(
            properties,
            [
                "allowed", "code", "detail", "problems", "status", "title", "type"
            ]
        );
        assert_eq!(required, ["type", "title", "status", "detail", "code"]);
    }

    /// Every operation that takes a JSON body lists how a body is refused before its handler
    /// runs, one entry per status naming each code; one that had its own 400 or 422 keeps it.
    #[test]
    fn every_json_body_lists_its_refusals_once_with_every_code() {
        let doc = document();
        let mut bodies = 0;
        for (path, method, operation) in operations(&doc) {
            let takes_json = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.contains_key("application/json"));
            if !takes_json {
                continue;
            }
            bodies += 1;
            for (status, code) in [
                ("400", "request.json_syntax"),
                ("413", "request.too_large"),
                ("415", "request.content_type"),
                ("422", "request.json_invalid"),
            ] {
                let Some(RefOr::T(response)) = operation.responses.responses.get(status) else {
                    panic!("{method} {path} does not list {status}");
                };
                assert_eq!(
                    response.description.matches(code).count(),
                    1,
                    "{method} {path} {status}: {}",
                    response.description
                );
            }
        }
        assert!(bodies >= 10, "only {bodies} operations take a JSON body");
        let (_, _, create) = operations(&doc)
            .into_iter()
            .find(|(p, m, _)| p == "/v1/sites/{site}/tickets" && *m == "post")
            .expect("create ticket");
        let RefOr::T(invalid) = &create.responses.responses["422"] else {
            panic!("422 by reference");
        };
        assert!(invalid.description.contains("submission.invalid"));
    }

    /// A stream's events are documented as events: `data` carries the JSON, so a client
    /// (or schemathesis) checks the event it receives, not the event as if it were the JSON.
    #[test]
    fn event_streams_document_each_event_and_its_json() {
        let doc = serde_json::to_value(document()).expect("json");
        for (path, payload) in [
            (
                "/v1/tickets/{id}/events",
                "#/components/schemas/TicketEvent",
            ),
            (
                "/v1/console/events",
                "#/components/schemas/ConsoleStreamEvent",
            ),
        ] {
            let event = &doc["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]
                ["schema"];
            assert_eq!(event["required"], serde_json::json!(["data"]), "{path}");
            let data = &event["properties"]["data"];
            assert_eq!(data["type"], "string", "{path}");
            assert_eq!(data["contentMediaType"], "application/json", "{path}");
            assert_eq!(data["contentSchema"]["$ref"], payload, "{path}");
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (path, method, operation) in operations(&doc) {
            let id = operation.operation_id.clone().unwrap_or_default();
            assert!(
                seen.insert(id.clone()),
                "{method} {path}: operation id {id:?} is taken"
            );
        }
    }

    #[test]
    fn the_create_documents_its_idempotency_key_and_the_stream_its_resume_headers() {
        let doc = document();
        let parameter = |path: &str, method: &str, name: &str| {
            let (_, _, operation) = operations(&doc)
                .into_iter()
                .find(|(p, m, _)| p == path && *m == method)
                .unwrap_or_else(|| panic!("no {method} {path}"));
            let parameters = operation.parameters.clone().unwrap_or_default();
            parameters
                .into_iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
        };
        let key = parameter("/v1/sites/{site}/tickets", "post", "Idempotency-Key");
        assert!(matches!(key.required, Required::True));
        parameter("/v1/tickets/{id}/events", "get", "Last-Event-ID");
        parameter("/v1/tickets/{id}/events", "get", "access_token");
        parameter("/v1/uploads", "post", "Upload-Length");
        parameter("/v1/uploads/{id}", "patch", "Upload-Checksum");
        let version = serde_json::to_value(&doc).expect("json")["openapi"].clone();
        assert!(
            version.as_str().is_some_and(|v| v.starts_with("3.1")),
            "{version}"
        );
    }
}
