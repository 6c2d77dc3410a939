use helpcenter_core::Question;
use leptos::prelude::*;

use super::{Nav, ScreenHeading, StageBar};
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// One question of the decision tree, with its answers as buttons. The answer given before
/// (when the shopper came back) is marked, and changing it drops only what followed it.
#[component]
pub fn QuestionScreen(
    question: Question,
    /// 1 for the first question after the category.
    step: usize,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let (text, answers) = flow.with_policy(|p| {
        let answers: Vec<(String, String)> = question
            .answers
            .iter()
            .map(|a| (a.id.clone(), p.text(lang, &a.label).to_owned()))
            .collect();
        (p.text(lang, &question.text).to_owned(), answers)
    });
    let answer = move |id: String| flow.draft.update(|d| d.answer(id));
    let back = Callback::new(move |()| flow.draft.update(|d| d.back()));
    let before = flow.draft.with_untracked(|d| d.ahead.first().cloned());
    view! {
        <section class="hc-screen hc-question">
            <StageBar current=Stage::Problem />
            <p class="hc-step">{locale.fill(Text::StepOf, &[("n", &step.to_string())])}</p>
            <ScreenHeading>{text}</ScreenHeading>
            <ul class="hc-choices">
                {answers
                    .into_iter()
                    .map(|(id, label)| {
                        let chosen = before.as_deref() == Some(id.as_str());
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="hc-choice"
                                    class:hc-choice--chosen=chosen
                                    data-answer=id.clone()
                                    on:click=move |_| answer(id.clone())
                                >
                                    {label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <Nav on_back=back />
        </section>
    }
}
