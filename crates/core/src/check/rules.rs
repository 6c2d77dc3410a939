//! The rules a policy must keep before a site uses it: ids unique and well formed, a tree
//! without dangling references, cycles, dead ends or unreachable items, every outcome's
//! settings within limits, every text in every language.

use std::collections::{BTreeMap, BTreeSet};

use super::problem::{PolicyErrors, PolicyProblem, PolicyProblemCode};
use crate::evidence::EvidenceRule;
use crate::limits;
use crate::policy::{Node, Policy};

struct Checker<'p> {
    policy: &'p Policy,
    problems: Vec<PolicyProblem>,
}

impl Checker<'_> {
    fn report(
        &mut self,
        path: impl Into<String>,
        code: PolicyProblemCode,
        detail: impl Into<String>,
    ) {
        let problem = PolicyProblem::at(self.policy, path.into(), code, detail.into());
        self.problems.push(problem);
    }

    fn limit(&mut self, ok: bool, path: String, detail: impl Into<String>) {
        if !ok {
            self.report(path, PolicyProblemCode::Limit, detail);
        }
    }

    fn id(&mut self, path: String, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= limits::MAX_POLICY_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            self.report(
                path,
                PolicyProblemCode::BadId,
                format!(
                    "id {id:?} must be 1–{} of a-z, 0-9, _ and -",
                    limits::MAX_POLICY_ID_LEN
                ),
            );
        }
    }

    fn reference(&mut self, path: String, id: &str) {
        if self.policy.node(id).is_none() {
            self.report(
                path,
                PolicyProblemCode::DanglingReference,
                format!("no question or outcome is named {id:?}"),
            );
        }
    }

    fn message(&mut self, path: String, key: &str) {
        for (locale, texts) in &self.policy.messages {
            match texts.get(key) {
                None => self.report(
                    path.clone(),
                    PolicyProblemCode::MissingMessage,
                    format!("message {key:?} has no text in [messages.{locale}]"),
                ),
                Some(text) if text.chars().count() > limits::MAX_POLICY_TEXT_CHARS => self.report(
                    format!("messages.{locale}.{key}"),
                    PolicyProblemCode::Limit,
                    format!("longer than {} characters", limits::MAX_POLICY_TEXT_CHARS),
                ),
                Some(_) => {}
            }
        }
    }

    fn ids(&mut self) {
        let mut seen = BTreeMap::new();
        let nodes = (self.policy.questions.iter().enumerate())
            .map(|(i, q)| (format!("questions[{i}].id"), "question", &q.id))
            .chain(
                (self.policy.outcomes.iter().enumerate())
                    .map(|(i, o)| (format!("outcomes[{i}].id"), "outcome", &o.id)),
            );
        for (path, kind, id) in nodes {
            self.id(path.clone(), id);
            if let Some(first) = seen.insert(id.as_str(), kind) {
                self.report(
                    path,
                    PolicyProblemCode::DuplicateId,
                    format!("{id:?} is already the id of an earlier {first} (questions and outcomes share one set of ids)"),
                );
            }
        }
        let mut categories = BTreeSet::new();
        for (i, c) in self.policy.categories.iter().enumerate() {
            self.id(format!("categories[{i}].id"), &c.id);
            if !categories.insert(c.id.as_str()) {
                self.report(
                    format!("categories[{i}].id"),
                    PolicyProblemCode::DuplicateId,
                    format!("category {:?} is defined twice", c.id),
                );
            }
        }
    }

    fn tree(&mut self) {
        let policy = self.policy;
        if policy.categories.is_empty() {
            self.report(
                "categories",
                PolicyProblemCode::Empty,
                "a policy needs at least one category",
            );
        }
        for (i, c) in policy.categories.iter().enumerate() {
            self.message(format!("categories[{i}].title"), &c.title);
            self.reference(format!("categories[{i}].start"), &c.start);
        }
        for (i, q) in policy.questions.iter().enumerate() {
            self.message(format!("questions[{i}].text"), &q.text);
            if q.answers.is_empty() {
                self.report(
                    format!("questions[{i}].answers"),
                    PolicyProblemCode::DeadEnd,
                    format!(
                        "question {:?} has no answers: every path must end in an outcome",
                        q.id
                    ),
                );
            }
            let mut answer_ids = BTreeSet::new();
            for (j, a) in q.answers.iter().enumerate() {
                let path = format!("questions[{i}].answers[{j}]");
                self.id(format!("{path}.id"), &a.id);
                if !answer_ids.insert(a.id.as_str()) {
                    self.report(
                        format!("{path}.id"),
                        PolicyProblemCode::DuplicateId,
                        format!("answer {:?} appears twice in this question", a.id),
                    );
                }
                self.message(format!("{path}.label"), &a.label);
                self.reference(format!("{path}.next"), &a.next);
            }
        }
        self.cycles();
        self.reachability();
        self.order_less();
    }

    /// Every outcome a `no_order` category or answer leads to (its late route too) must take
    /// a claim without an order number.
    fn order_less(&mut self) {
        let policy = self.policy;
        let mut starts: Vec<(String, &str)> = Vec::new();
        for c in &policy.categories {
            if c.no_order {
                starts.push((format!("category {:?}", c.id), c.start.as_str()));
            }
        }
        for q in &policy.questions {
            for a in &q.answers {
                if a.no_order {
                    let branch = format!("question {:?}, answer {:?},", q.id, a.id);
                    starts.push((branch, a.next.as_str()));
                }
            }
        }
        let mut reported = BTreeSet::new();
        for (branch, start) in starts {
            // Each node once per branch: a checked tree has no cycles, a broken one must
            // not hang here either.
            let mut seen = BTreeSet::new();
            let mut todo = vec![start];
            while let Some(id) = todo.pop() {
                if !seen.insert(id) {
                    continue;
                }
                match policy.node(id) {
                    Some(Node::Question(q)) => {
                        todo.extend(q.answers.iter().map(|a| a.next.as_str()))
                    }
                    Some(Node::Outcome(o)) => {
                        if let Some(late) = o
                            .claim_window
                            .as_ref()
                            .and_then(|w| w.late_outcome.as_deref())
                        {
                            todo.push(late);
                        }
                        if o.evidence.order_number.is_required() && reported.insert(o.id.as_str()) {
                            let i = policy
                                .outcomes
                                .iter()
                                .position(|x| x.id == o.id)
                                .unwrap_or(0);
                            self.report(
                                format!("outcomes[{i}].evidence.order_number"),
                                PolicyProblemCode::OrderDemandedWithoutOrder,
                                format!(
                                    "outcome {:?} requires an order number, but {branch} is marked no_order: set order_number = \"optional\"",
                                    o.id
                                ),
                            );
                        }
                    }
                    None => {}
                }
            }
        }
    }

    /// Depth-first search over questions; an edge back to a question on the current path
    /// closes a cycle, which would let a shopper answer forever.
    fn cycles(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let policy = self.policy;
        let index: BTreeMap<&str, usize> = policy
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        let mut marks = vec![Mark::New; policy.questions.len()];
        for root in 0..policy.questions.len() {
            if marks[root] != Mark::New {
                continue;
            }
            // Explicit stack of (question, next answer to follow): no recursion on merchant data.
            let mut stack = vec![(root, 0usize)];
            marks[root] = Mark::OnPath;
            while let Some((q, a)) = stack.last_mut() {
                let (q, j) = (*q, *a);
                let Some(answer) = policy.questions[q].answers.get(j) else {
                    marks[q] = Mark::Done;
                    stack.pop();
                    continue;
                };
                *a += 1;
                let Some(&next) = index.get(answer.next.as_str()) else {
                    continue;
                };
                match marks[next] {
                    Mark::OnPath => self.report(
                        format!("questions[{q}].answers[{j}].next"),
                        PolicyProblemCode::Cycle,
                        format!(
                            "leads back to {:?}, which comes before it: the tree must not loop",
                            answer.next
                        ),
                    ),
                    Mark::New => {
                        marks[next] = Mark::OnPath;
                        stack.push((next, 0));
                    }
                    Mark::Done => {}
                }
            }
        }
    }

    fn reachability(&mut self) {
        let policy = self.policy;
        let mut reached = BTreeSet::new();
        let mut todo: Vec<&str> = policy.categories.iter().map(|c| c.start.as_str()).collect();
        todo.extend(
            policy
                .outcomes
                .iter()
                .filter_map(|o| o.claim_window.as_ref()?.late_outcome.as_deref()),
        );
        while let Some(id) = todo.pop() {
            if !reached.insert(id) {
                continue;
            }
            if let Some(Node::Question(q)) = policy.node(id) {
                todo.extend(q.answers.iter().map(|a| a.next.as_str()));
            }
        }
        let nodes = (policy
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (format!("questions[{i}]"), &q.id)))
        .chain(
            policy
                .outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| (format!("outcomes[{i}]"), &o.id)),
        );
        for (path, id) in nodes {
            if !reached.contains(id.as_str()) {
                self.report(
                    path,
                    PolicyProblemCode::Unreachable,
                    format!("no category leads to {id:?}"),
                );
            }
        }
    }

    fn outcomes(&mut self) {
        let policy = self.policy;
        for (i, o) in policy.outcomes.iter().enumerate() {
            let path = format!("outcomes[{i}]");
            self.message(format!("{path}.message"), &o.message);
            self.evidence(&format!("{path}.evidence"), &o.evidence);
            if let Some(window) = &o.claim_window {
                // A window of 0 days would close on the day the parcel arrives, before
                // most shoppers open it: nothing could ever be claimed in time.
                self.limit(
                    (1..=limits::MAX_WINDOW_DAYS).contains(&window.days_after_delivery),
                    format!("{path}.claim_window.days_after_delivery"),
                    format!("from 1 to {} days", limits::MAX_WINDOW_DAYS),
                );
                if let Some(late) = &window.late_outcome {
                    let late_path = format!("{path}.claim_window.late_outcome");
                    match policy.outcome(late) {
                        None => self.report(
                            late_path,
                            PolicyProblemCode::DanglingReference,
                            format!("no outcome is named {late:?}"),
                        ),
                        Some(target) if target.claim_window.is_some() => self.report(
                            late_path,
                            PolicyProblemCode::Limit,
                            format!(
                                "the late route {late:?} has a claim window of its own; it must not"
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }

    fn evidence(&mut self, path: &str, rule: &EvidenceRule) {
        use limits::*;
        self.message(format!("{path}.hint"), &rule.hint);
        let d = &rule.description;
        self.limit(
            1 <= d.min_chars && d.min_chars <= d.max_chars && d.max_chars <= MAX_DESCRIPTION_CHARS,
            format!("{path}.description"),
            format!("need 1 ≤ min_chars ≤ max_chars ≤ {MAX_DESCRIPTION_CHARS} (§II asks for a detailed description)"),
        );
        let m = &rule.media;
        let p = |field: &str| format!("{path}.media.{field}");
        self.limit(
            m.min_count <= m.max_count && m.max_count <= MAX_FILES,
            p("max_count"),
            format!("need min_count ≤ max_count ≤ {MAX_FILES}"),
        );
        self.limit(
            m.min_photos <= m.max_count,
            p("min_photos"),
            "more photos required than files allowed",
        );
        self.limit(
            m.max_count == 0 || !m.accepted.is_empty(),
            p("accepted"),
            "files are allowed but no type is accepted",
        );
        self.limit(
            (1..=MAX_FILE_BYTES).contains(&m.max_file_bytes),
            p("max_file_bytes"),
            format!("need 1 ≤ max_file_bytes ≤ {MAX_FILE_BYTES}"),
        );
        self.limit(
            m.max_file_bytes <= m.max_total_bytes && m.max_total_bytes <= MAX_TOTAL_BYTES,
            p("max_total_bytes"),
            format!("need max_file_bytes ≤ max_total_bytes ≤ {MAX_TOTAL_BYTES}"),
        );
        self.limit(
            m.min_image_width <= MAX_IMAGE_SIDE && m.min_image_height <= MAX_IMAGE_SIDE,
            p("min_image_width"),
            format!("minimum image sides must be at most {MAX_IMAGE_SIDE} px"),
        );
        self.limit(
            (1..=MAX_IMAGE_PIXELS).contains(&m.max_image_pixels),
            p("max_image_pixels"),
            format!("need 1 ≤ max_image_pixels ≤ {MAX_IMAGE_PIXELS}"),
        );
        self.limit(
            (1..=MAX_VIDEO_SECONDS).contains(&m.max_video_seconds),
            p("max_video_seconds"),
            format!("need 1 ≤ max_video_seconds ≤ {MAX_VIDEO_SECONDS}"),
        );
    }

    fn settings(&mut self) {
        use limits::*;
        let policy = self.policy;
        if !policy.messages.contains_key(&policy.default_locale) {
            self.report(
                "default_locale",
                PolicyProblemCode::MissingMessage,
                format!("there is no [messages.{}] table", policy.default_locale),
            );
        }
        let hours = policy.service.first_response_hours;
        self.limit(
            (1..=MAX_FIRST_RESPONSE_HOURS).contains(&hours),
            "service.first_response_hours".into(),
            format!("need 1 to {MAX_FIRST_RESPONSE_HOURS} hours"),
        );
        let o = &policy.order_number;
        self.limit(
            1 <= o.min_len && o.min_len <= o.max_len && o.max_len <= MAX_ORDER_NUMBER_LEN,
            "order_number.max_len".into(),
            format!("need 1 ≤ min_len ≤ max_len ≤ {MAX_ORDER_NUMBER_LEN}"),
        );
        self.limit(
            o.check(&o.example).is_none(),
            "order_number.example".into(),
            format!(
                "the example {:?} does not match the format itself",
                o.example
            ),
        );
        self.message("dispute.negotiation".into(), &policy.dispute.negotiation);
        self.message(
            "dispute.legal_recourse".into(),
            &policy.dispute.legal_recourse,
        );
        self.message(
            "force_majeure.message".into(),
            &policy.force_majeure.message,
        );
        // A site's notices come from its policy and its config together: one id, one notice.
        let mut notice_ids = BTreeSet::new();
        for (i, n) in policy.force_majeure.notices.iter().enumerate() {
            let path = format!("force_majeure.notices[{i}]");
            self.id(format!("{path}.id"), &n.id);
            if !notice_ids.insert(n.id.as_str()) {
                self.report(
                    format!("{path}.id"),
                    PolicyProblemCode::DuplicateId,
                    format!(
                        "notice {:?} is published twice (in the policy or the config)",
                        n.id
                    ),
                );
            }
            self.message(format!("{path}.message"), &n.message);
            self.limit(
                n.ends_on.is_none_or(|end| n.starts_on <= end),
                format!("{path}.ends_on"),
                "ends before it starts",
            );
            for (j, c) in n.categories.iter().enumerate() {
                if policy.category(c).is_none() {
                    self.report(
                        format!("{path}.categories[{j}]"),
                        PolicyProblemCode::DanglingReference,
                        format!("no category is named {c:?}"),
                    );
                }
            }
        }
    }
}

impl Policy {
    /// Every problem of this policy; a site uses only a policy that passes.
    pub fn check(&self) -> Result<(), PolicyErrors> {
        let mut checker = Checker {
            policy: self,
            problems: Vec::new(),
        };
        checker.ids();
        checker.tree();
        checker.outcomes();
        checker.settings();
        if checker.problems.is_empty() {
            Ok(())
        } else {
            Err(PolicyErrors(checker.problems))
        }
    }
}
