use helpcenter_core::Question;
use leptos::prelude::*;

use super::{Nav, ScreenHeading, StageBar};
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// The decision tree's questions, one at a time, with their answers as buttons. The screen
/// stays from one question to the next: only its number, its words and its answers change
/// (and the heading takes focus again). The answer given before (when the shopper came back)
/// is marked, and changing it drops only what followed it.
#[component]
pub fn QuestionScreen(
    /// The question asked now and its number (1 for the first after the category); `None`
    /// for the moment the journey leaves the questions.
    asked: Memo<Option<(Question, usize)>>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let step = Memo::new(move |_| asked.with(|a| a.as_ref().map_or(0, |(_, step)| *step)));
    let number = move || locale.fill(Text::StepOf, &[("n", &step.get().to_string())]);
    let text = move || {
        asked.with(|a| {
            a.as_ref()
                .map(|(q, _)| flow.with_policy(|p| p.text(lang, &q.text).to_owned()))
        })
    };
    let answer = move |id: String| flow.draft.update(|d| d.answer(id));
    let answers = move || {
        let before = flow.draft.with_untracked(|d| d.ahead.first().cloned());
        asked.with(|a| {
            a.as_ref().map_or_else(Vec::new, |(q, _)| {
                flow.with_policy(|p| {
                    q.answers
                        .iter()
                        .map(|a| {
                            let chosen = before.as_deref() == Some(a.id.as_str());
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="hc-choice"
                                        class:hc-choice--chosen=chosen
                                        data-answer=a.id.clone()
                                        on:click={
                                            let id = a.id.clone();
                                            move |_| answer(id.clone())
                                        }
                                    >
                                        {p.text(lang, &a.label).to_owned()}
                                    </button>
                                </li>
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
        })
    };
    // The heading takes focus when the screen appears (`ScreenHeading`), and again with each
    // next question: the shopper lands on the new question, not on the answer they tapped.
    Effect::new(move |before: Option<usize>| {
        let now = step.get();
        if now > 0 && before.is_some_and(|before| before != now) {
            super::focus_first(".hc-question .hc-heading");
        }
        now
    });
    let back = Callback::new(move |()| flow.draft.update(|d| d.back()));
    view! {
        <section class="hc-screen hc-question">
            <StageBar current=Stage::Problem />
            <p class="hc-step">{number}</p>
            <ScreenHeading>{text}</ScreenHeading>
            <ul class="hc-choices">{answers}</ul>
            <Nav on_back=back />
        </section>
    }
}
