use helpcenter_core::{Policy, Question};
use leptos::prelude::*;

use super::ScreenHeading;
use crate::i18n::{Locale, Text};

/// One question of the decision tree, with its answers as buttons.
#[component]
pub fn QuestionScreen(
    policy: StoredValue<Policy>,
    locale: Locale,
    question: Question,
    /// 1 for the first question after the category.
    step: usize,
    on_answer: Callback<String>,
    on_back: Callback<()>,
) -> impl IntoView {
    let lang = locale.tag();
    let (text, answers) = policy.with_value(|p| {
        let answers: Vec<(String, String)> = question
            .answers
            .iter()
            .map(|a| (a.id.clone(), p.text(lang, &a.label).to_owned()))
            .collect();
        (p.text(lang, &question.text).to_owned(), answers)
    });
    view! {
        <section class="hc-screen hc-question">
            <p class="hc-step">{locale.text(Text::StepOf).replace("{n}", &step.to_string())}</p>
            <ScreenHeading>{text}</ScreenHeading>
            <ul class="hc-choices">
                {answers
                    .into_iter()
                    .map(|(id, label)| {
                        view! {
                            <li>
                                <button type="button" class="hc-choice" data-answer=id.clone() on:click=move |_| on_answer.run(id.clone())>
                                    {label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <button type="button" class="hc-back" on:click=move |_| on_back.run(())>
                {locale.text(Text::Back)}
            </button>
        </section>
    }
}
