//! The ticket's timeline: each event with who acted and when, internal notes set apart.

use leptos::prelude::*;

use crate::i18n::{Locale, Text};
use crate::time;
use crate::wire::{ConsoleEvent, ConsoleEventKind, EventActor};

fn event_title(kind: ConsoleEventKind, locale: Locale) -> &'static str {
    locale.text(match kind {
        ConsoleEventKind::Created => Text::EvCreated,
        ConsoleEventKind::StatusChanged => Text::EvStatusChanged,
        ConsoleEventKind::InfoRequested => Text::EvInfoRequested,
        ConsoleEventKind::Message => Text::EvMessage,
        ConsoleEventKind::ShopperReply => Text::EvShopperReply,
        ConsoleEventKind::InternalNote => Text::EvInternalNote,
        ConsoleEventKind::Assigned => Text::EvAssigned,
    })
}

/// Who did it and when: "by Wei, 14:02"; the shopper and the system by their role.
pub fn by_line(event: &ConsoleEvent, locale: Locale) -> String {
    by_line_at(event, locale, time::short(&event.at, locale))
}

fn by_line_at(event: &ConsoleEvent, locale: Locale, at: String) -> String {
    let name = match (event.actor, &event.by) {
        (_, Some(name)) => name.clone(),
        (EventActor::Shopper, None) => locale.text(Text::ShopperActed).to_owned(),
        (EventActor::System, None) | (EventActor::Agent, None) => {
            locale.text(Text::SystemActed).to_owned()
        }
    };
    locale.fill(Text::ByAt, &[("name", &name), ("time", &at)])
}

#[component]
pub(super) fn Timeline(events: Vec<ConsoleEvent>, locale: Locale) -> impl IntoView {
    view! {
        <section class="card timeline" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{locale.text(Text::Timeline)}</h2>
            <ol>
                {events
                    .into_iter()
                    .map(|event| {
                        let internal = event.internal || event.kind == ConsoleEventKind::InternalNote;
                        view! {
                            <li
                                class="event"
                                class:internal=internal
                                class:shopper=event.actor == EventActor::Shopper
                                data-kind=format!("{:?}", event.kind)
                                data-seq=event.seq
                            >
                                <p class="what">
                                    <strong>{event_title(event.kind, locale)}</strong>
                                    {(event.kind == ConsoleEventKind::StatusChanged || event.kind == ConsoleEventKind::Created).then(|| {
                                        format!(
                                            " → {}{}",
                                            locale.status(event.status),
                                            event.resolution.map(|r| format!(": {}", locale.resolution(r))).unwrap_or_default()
                                        )
                                    })}
                                    {internal.then(|| view! { " " <span class="badge note">{locale.text(Text::InternalNote)}</span> })}
                                </p>
                                <p class="by">{by_line(&event, locale)}</p>
                                {event.assigned_to.clone().map(|a| view! { <p class="message">{locale.fill(Text::Assigned, &[("name", &a.name)])}</p> })}
                                {(event.kind == ConsoleEventKind::Assigned && event.assigned_to.is_none()).then(|| view! {
                                    <p class="message">{format!("{}: {}", locale.text(Text::Assignee), locale.text(Text::Nobody))}</p>
                                })}
                                {event.message.map(|m| view! { <p class="message">{m}</p> })}
                                {(!event.evidence.is_empty()).then(|| view! {
                                    <p class="muted">{format!("{} × {}", event.evidence.len(), locale.text(Text::Evidence))}</p>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use helpcenter_core::TicketStatus;

    #[test]
    fn the_timeline_says_who_acted_and_when() {
        let event = |actor, by: Option<&str>| ConsoleEvent {
            seq: 3,
            at: "2026-12-03T14:02:00Z".into(),
            kind: ConsoleEventKind::InternalNote,
            actor,
            by: by.map(str::to_owned),
            agent_id: None,
            status: TicketStatus::InReview,
            resolution: None,
            message: Some("Called the carrier".into()),
            internal: true,
            assigned_to: None,
            evidence: vec![],
        };
        let at = "14:02".to_owned();
        assert_eq!(
            by_line_at(
                &event(EventActor::Agent, Some("Wei")),
                Locale::En,
                at.clone()
            ),
            "by Wei, 14:02"
        );
        assert_eq!(
            by_line_at(
                &event(EventActor::Agent, Some("Wei")),
                Locale::ZhCn,
                at.clone()
            ),
            "Wei，14:02"
        );
        assert_eq!(
            by_line_at(&event(EventActor::Shopper, None), Locale::En, at),
            "by Shopper, 14:02"
        );
    }
}
