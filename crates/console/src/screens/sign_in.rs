//! Signing in: the store's site key, email and password. Each problem is said next to its
//! field, in the agent's language; a wrong email and a wrong password read the same (the
//! server does not say which either), and too many attempts say how long to wait.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::{self, ApiError};
use crate::app::{Session, use_console};
use crate::i18n::Text;
use crate::wire::SignIn;

const SITE_KEY: &str = "helpcenter-console-site";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Site,
    Email,
    Password,
}

/// What is wrong with the form before it is sent: each problem with its field.
fn check(form: &SignIn) -> Vec<(Field, Text)> {
    let mut problems = Vec::new();
    if form.site.trim().is_empty() {
        problems.push((Field::Site, Text::SiteMissing));
    }
    let email = form.email.trim();
    if email.is_empty() {
        problems.push((Field::Email, Text::EmailMissing));
    } else if !email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.ends_with('.')
    }) {
        problems.push((Field::Email, Text::EmailInvalid));
    }
    if form.password.is_empty() {
        problems.push((Field::Password, Text::PasswordMissing));
    }
    problems
}

#[component]
pub fn SignInScreen() -> impl IntoView {
    let console = use_console();
    let location = use_location();
    let stored_site = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(SITE_KEY).ok().flatten());
    let from_address = crate::keys::query_param(&location.search.get_untracked(), "site");
    let site = RwSignal::new(from_address.or(stored_site).unwrap_or_default());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<(Field, Text)>::new());
    // Said under the password: wrong credentials, rate limit, network.
    let refusal = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let expired = move || matches!(console.session.get(), Session::SignedOut { expired: true });

    let problem = move |field: Field| {
        problems
            .get()
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| console.t(text))
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = SignIn {
            site: site.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        let found = check(&form);
        refusal.try_set(None);
        if let Some((field, _)) = found.first() {
            let id = match field {
                Field::Site => "sign-in-site",
                Field::Email => "sign-in-email",
                Field::Password => "sign-in-password",
            };
            problems.try_set(found);
            crate::keys::focus(id);
            return;
        }
        problems.try_set(Vec::new());
        busy.try_set(true);
        leptos::task::spawn_local(async move {
            let answer = api::sign_in(&form).await;
            busy.try_set(false);
            match answer {
                Ok(agent) => {
                    if let Ok(Some(storage)) = window().local_storage() {
                        let _ = storage.set_item(SITE_KEY, &agent.site);
                    }
                    password.try_set(String::new());
                    console.session.try_set(Session::SignedIn(agent));
                }
                Err(error) => {
                    let locale = console.locale.get_untracked();
                    let text = match error {
                        ApiError::SignedOut
                        | ApiError::Refused {
                            status: 400..=403, ..
                        }
                        | ApiError::NotFound => locale.text(Text::WrongCredentials).to_owned(),
                        ApiError::RateLimited(seconds) => {
                            locale.fill(Text::RateLimited, &[("seconds", &seconds.to_string())])
                        }
                        other => console.error_text(&other),
                    };
                    refusal.try_set(Some(text));
                    crate::keys::focus("sign-in-password");
                }
            }
        });
    };

    let field = move |id: &'static str,
                      which: Field,
                      label: Text,
                      kind: &'static str,
                      autocomplete: &'static str,
                      value: RwSignal<String>| {
        let error_id = format!("{id}-problem");
        let described = error_id.clone();
        view! {
            <div class="field">
                <label for=id>{move || console.t(label)}</label>
                <input
                    id=id
                    type=kind
                    autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |e| value.set(event_target_value(&e))
                    aria-invalid=move || problem(which).is_some().to_string()
                    aria-describedby=move || problem(which).map(|_| described.clone())
                />
                <p class="problem" id=error_id hidden=move || problem(which).is_none()>
                    {move || problem(which)}
                </p>
            </div>
        }
    };

    view! {
        <section class="sign-in" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">{console.tu(Text::SignInHeading)}</h1>
            <p class="muted">{console.tu(Text::SignInIntro)}</p>
            <Show when=expired>
                <p class="notice" role="status">{console.tu(Text::SessionExpired)}</p>
            </Show>
            <form novalidate on:submit=submit>
                {field("sign-in-site", Field::Site, Text::Site, "text", "organization", site)}
                <p class="hint">{console.tu(Text::SiteHint)}</p>
                {field("sign-in-email", Field::Email, Text::Email, "email", "username", email)}
                {field(
                    "sign-in-password",
                    Field::Password,
                    Text::Password,
                    "password",
                    "current-password",
                    password,
                )}
                <p class="problem refusal" role="alert" hidden=move || refusal.get().is_none()>
                    {move || refusal.get()}
                </p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || console.t(if busy.get() { Text::SigningIn } else { Text::SignIn })}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_missing_or_malformed_field_is_named() {
        let empty = SignIn::default();
        let fields: Vec<Field> = check(&empty).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, [Field::Site, Field::Email, Field::Password]);
        let form = SignIn {
            site: "demo".into(),
            email: "wei@shop".into(),
            password: "x".into(),
        };
        assert_eq!(check(&form), [(Field::Email, Text::EmailInvalid)]);
        let good = SignIn {
            email: "wei@shop.example".into(),
            ..form
        };
        assert!(check(&good).is_empty());
    }
}
