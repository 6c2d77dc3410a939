use helpcenter_core::Field;
use leptos::prelude::*;

use super::files::{FileList, FilePickers, add};
use super::{FieldProblems, Nav, ScreenHeading, StageBar};
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// The photos and videos the outcome needs: picked, dropped, pasted or taken with the camera,
/// each checked in the browser before a byte is uploaded, then uploaded while the shopper goes
/// on.
#[component]
pub fn EvidenceScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let files = flow.attachments();
    let (hint, rule) = match flow.decision() {
        Some((outcome, _)) => (
            flow.with_policy(|p| p.text(lang, &outcome.evidence.hint).to_owned()),
            outcome.evidence.media,
        ),
        None => (String::new(), files.media_rule()),
    };
    let counts = locale.fill(
        if rule.min_count == 0 {
            Text::EvidenceCountOptional
        } else {
            Text::EvidenceCount
        },
        &[
            ("min", &rule.min_count.to_string()),
            ("max", &rule.max_count.to_string()),
            ("size", &locale.bytes(rule.max_file_bytes)),
        ],
    );
    let dragging = RwSignal::new(false);
    let set_messages = Signal::derive(move || {
        if files.checking() || (files.files.with(Vec::is_empty) && !flow.show_all.get()) {
            Vec::new()
        } else {
            flow.messages(Field::Evidence)
        }
    });
    // Why Continue did not move on, while it still holds: never a silent dead end.
    let held = RwSignal::new(None::<Text>);
    let next = Callback::new(move |()| {
        flow.show_all.set(true);
        if files.checking() {
            held.set(Some(Text::WaitForChecks));
            return;
        }
        let problems = flow.problems();
        let refused = problems.iter().find_map(|p| match p.field {
            Field::EvidenceFile(i) => Some(i),
            _ => None,
        });
        let short = problems.iter().any(|p| p.field == Field::Evidence);
        match (refused, short) {
            (None, false) => {
                held.set(None);
                flow.go(Stage::Review);
            }
            // The file that cannot go: its Remove, which (like Replace beside it) unblocks.
            (Some(i), _) => {
                held.set(Some(Text::FixFilesBeforeContinuing));
                super::focus_later(format!(".hc-file:nth-child({}) .hc-remove", i + 1));
            }
            (None, true) => {
                held.set(Some(Text::FixBeforeContinuing));
                super::focus_later(".hc-pickers input".into());
            }
        }
    });
    let still_held = move || {
        held.get().filter(|why| match why {
            Text::WaitForChecks => files.checking(),
            _ => flow
                .problems()
                .iter()
                .any(|p| matches!(p.field, Field::Evidence | Field::EvidenceFile(_))),
        })
    };
    let back = Callback::new(move |()| flow.go(Stage::Details));
    view! {
        <section
            class="hc-screen hc-evidence"
            class:hc-evidence--dragging=move || dragging.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                add(files, ev.data_transfer().and_then(|d| d.files()));
            }
        >
            <StageBar current=Stage::Evidence />
            <ScreenHeading>{locale.text(Text::EvidenceHeading)}</ScreenHeading>
            <p class="hc-hint">{hint}</p>
            <p class="hc-hint">{counts}</p>
            <FilePickers files />
            <FileList files />
            <FieldProblems id="hc-evidence-problems" messages=set_messages />
            {move || {
                still_held()
                    .map(|why| view! { <p class="hc-problem hc-held" role="alert">{locale.text(why)}</p> })
            }}
            <Nav on_back=back next=(locale.text(Text::Continue), next) />
        </section>
    }
}
