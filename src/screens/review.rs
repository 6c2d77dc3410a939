use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ScreenHeading, StageBar};
use crate::api::SubmitError;
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// Everything the shopper is about to send, each part with a way back to change it, and the
/// button that files it. A double click, a retry or a reload never files twice: the draft's
/// idempotency key goes with every attempt.
#[component]
pub fn ReviewScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let category = flow.draft.with_untracked(|d| d.claim.category.clone());
    let category_title = flow.with_policy(|p| {
        p.category(&category)
            .map(|c| p.text(lang, &c.title).to_owned())
            .unwrap_or_default()
    });
    let outcome_message = flow
        .decision()
        .map(|(o, _)| flow.with_policy(|p| p.outcome_message(lang, &o)))
        .unwrap_or_default();
    let submitting = RwSignal::new(false);
    let failure = RwSignal::new(Vec::<String>::new());
    let waiting = move || !flow.uploads_done();
    let problems = Signal::derive(move || {
        let problems = flow.problems();
        flow.describe(&problems)
    });
    let submit = move |_| {
        if submitting.get_untracked() || waiting() || !problems.get_untracked().is_empty() {
            return;
        }
        submitting.set(true);
        failure.set(Vec::new());
        spawn_local(async move {
            let result = flow.submit().await;
            if let Err(error) = result {
                let messages = match error {
                    SubmitError::Network => vec![locale.text(Text::SubmitNetwork).to_owned()],
                    SubmitError::Server(_) => vec![locale.text(Text::SubmitServer).to_owned()],
                    SubmitError::Refused { problems, .. } if !problems.is_empty() => {
                        flow.describe(&problems)
                    }
                    SubmitError::Refused { .. } => {
                        vec![locale.text(Text::SubmitServer).to_owned()]
                    }
                };
                failure.try_set(messages);
            }
            submitting.try_set(false);
        });
    };
    let edit = move |stage: Stage| {
        view! {
            <button type="button" class="hc-link" on:click=move |_| flow.go(stage)>
                {locale.text(Text::Edit)}
            </button>
        }
    };
    let field = move |get: fn(&crate::draft::Draft) -> String| flow.draft.with(get);
    let files = move || {
        flow.file_list().with(|all| {
            all.iter()
                .map(|f| view! { <li>{f.name.clone()} " · " {locale.bytes(f.bytes)}</li> })
                .collect_view()
        })
    };
    let delivered = move || {
        flow.delivered_on().map(|day| {
            view! {
                <dt>{locale.text(Text::DeliveredOnLabel)}</dt>
                <dd>{locale.date(day)}</dd>
            }
        })
    };
    view! {
        <section class="hc-screen hc-review">
            <StageBar current=Stage::Review />
            <ScreenHeading>{locale.text(Text::ReviewHeading)}</ScreenHeading>
            <h3>{locale.text(Text::ReviewProblem)} " " {edit(Stage::Problem)}</h3>
            <p>{category_title}</p>
            <h3>{locale.text(Text::ReviewWhatHappens)}</h3>
            <p class="hc-outcome-message">{outcome_message}</p>
            <h3>{locale.text(Text::StageDetails)} " " {edit(Stage::Details)}</h3>
            <dl class="hc-summary">
                <dt>{locale.text(Text::OrderNumberLabel)}</dt>
                <dd class="hc-review-order">{move || field(|d| d.claim.order_number.trim().to_owned())}</dd>
                {delivered}
                <dt>{locale.text(Text::EmailLabel)}</dt>
                <dd>{move || field(|d| d.claim.email.trim().to_owned())}</dd>
                <dt>{locale.text(Text::DescriptionLabel)}</dt>
                <dd class="hc-pre">{move || field(|d| d.claim.description.trim().to_owned())}</dd>
            </dl>
            <h3>{locale.text(Text::ReviewFiles)} " " {edit(Stage::Evidence)}</h3>
            <ul class="hc-review-files">{files}</ul>
            <div class="hc-field-problems" role="alert">
                {move || {
                    problems
                        .get()
                        .into_iter()
                        .chain(failure.get())
                        .map(|m| view! { <p class="hc-problem">{m}</p> })
                        .collect_view()
                }}
            </div>
            <Show when=waiting>
                <p class="hc-hint" role="status">{locale.text(Text::SubmitWaitUploads)}</p>
            </Show>
            <div class="hc-nav">
                <button type="button" class="hc-back" on:click=move |_| flow.go(Stage::Evidence)>
                    {locale.text(Text::Back)}
                </button>
                <button
                    type="button"
                    class="hc-next hc-submit"
                    aria-disabled=move || {
                        (submitting.get() || waiting() || !problems.get().is_empty()).to_string()
                    }
                    on:click=submit
                >
                    {move || {
                        locale.text(if submitting.get() { Text::Submitting } else { Text::Submit })
                    }}
                </button>
            </div>
        </section>
    }
}
