//! Checking a policy before a site uses it: a merchant's file is refused with every problem it
//! has, each with the path of the setting at fault, rather than one error at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::evidence::EvidenceRule;
use crate::limits;
use crate::policy::{Node, Policy};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyProblemCode {
    /// Not valid TOML, or a setting of the wrong type or name.
    Syntax,
    Empty,
    DuplicateId,
    BadId,
    DanglingReference,
    Cycle,
    /// A question without answers: every leaf must be an outcome.
    DeadEnd,
    Unreachable,
    MissingMessage,
    /// A number outside what the policy allows, or two that contradict each other.
    Limit,
    /// A warning, not a problem: a text kept from the built-in policy that a store should
    /// write for itself (the legal recourse, written for one jurisdiction).
    DefaultText,
    /// An outcome demands an order number on a branch marked `no_order`, where the shopper
    /// may have none: they could never file.
    OrderDemandedWithoutOrder,
}

/// One thing wrong with a policy. `path` names the items on the way by their ids
/// (`question "quality_use", answer "modified", next`), as the merchant wrote them, not by
/// their position in the file's arrays; `line` is where it is in the file, when there is one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PolicyProblem {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The same place by position (`questions[4].answers[0].next`), as a program counts.
    pub position: String,
    pub code: PolicyProblemCode,
    pub detail: String,
}

impl PolicyProblem {
    /// A problem at `position`, named by the ids `policy` gives the items on the way.
    pub fn at(
        policy: &Policy,
        position: String,
        code: PolicyProblemCode,
        detail: String,
    ) -> PolicyProblem {
        PolicyProblem {
            path: name_position(&segments(&position), |items| policy.id_at(items)),
            line: None,
            position,
            code,
            detail,
        }
    }
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), true) => write!(f, "line {line}: {}", self.detail),
            (Some(line), false) => write!(f, "line {line}, {}: {}", self.path, self.detail),
            (None, _) => write!(f, "{}: {}", self.path, self.detail),
        }
    }
}

/// One step of a position: a setting's key, or an item of an array.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// `questions[2].answers[1].next` as its steps. A text's key may hold dots
/// (`messages.zh-CN.hint.screenshot`): under `messages`, the third step is the rest.
pub fn segments(position: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = position;
    while !rest.is_empty() {
        if out.len() == 2 && out.first() == Some(&Segment::Key("messages".into())) {
            out.push(Segment::Key(rest.to_owned()));
            break;
        }
        let end = rest.find('.').unwrap_or(rest.len());
        let (piece, after) = rest.split_at(end);
        rest = after.strip_prefix('.').unwrap_or(after);
        let mut parts = piece.split('[');
        if let Some(key) = parts.next().filter(|k| !k.is_empty()) {
            out.push(Segment::Key(key.to_owned()));
        }
        for index in parts {
            match index.trim_end_matches(']').parse() {
                Ok(n) => out.push(Segment::Index(n)),
                Err(_) => out.push(Segment::Key(index.to_owned())),
            }
        }
    }
    out
}

/// What an item of the array at `keys` (indices left out) is called, for the arrays whose
/// items have ids.
fn item_kind(keys: &[&str]) -> Option<&'static str> {
    match keys {
        ["categories"] => Some("category"),
        ["questions"] => Some("question"),
        ["questions", "answers"] => Some("answer"),
        ["outcomes"] => Some("outcome"),
        ["force_majeure", "notices"] => Some("notice"),
        _ => None,
    }
}

/// A position in the merchant's words: each item with an id named by it
/// (`outcome "transit_damage", claim_window.days_after_delivery`); `id_at` gives the id of the
/// item a prefix of `segments` ends at.
pub fn name_position(segments: &[Segment], id_at: impl Fn(&[Segment]) -> Option<String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    // Keys since the last named item, and every key so far (for which array this is).
    let mut keys: Vec<String> = Vec::new();
    let mut all_keys: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Key(key) => {
                all_keys.push(key);
                keys.push(
                    if key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        key.clone()
                    } else {
                        format!("{key:?}")
                    },
                );
            }
            Segment::Index(n) => match item_kind(&all_keys) {
                Some(kind) => {
                    keys.clear();
                    parts.push(match id_at(&segments[..=i]).filter(|id| !id.is_empty()) {
                        Some(id) => format!("{kind} {id:?}"),
                        None => format!("{kind} #{}", n + 1),
                    });
                }
                None => match keys.last_mut() {
                    Some(last) => last.push_str(&format!("[{n}]")),
                    None => keys.push(format!("[{n}]")),
                },
            },
        }
    }
    if !keys.is_empty() {
        parts.push(keys.join("."));
    }
    parts.join(", ")
}

impl Policy {
    /// The id of the item `segments` ends at (a category, question, answer, outcome or notice).
    fn id_at(&self, segments: &[Segment]) -> Option<String> {
        use Segment::{Index, Key};
        let key = |s: &Segment, name: &str| matches!(s, Key(k) if k == name);
        match segments {
            [c, Index(i)] if key(c, "categories") => Some(self.categories.get(*i)?.id.clone()),
            [q, Index(i)] if key(q, "questions") => Some(self.questions.get(*i)?.id.clone()),
            [q, Index(i), a, Index(j)] if key(q, "questions") && key(a, "answers") => {
                Some(self.questions.get(*i)?.answers.get(*j)?.id.clone())
            }
            [o, Index(i)] if key(o, "outcomes") => Some(self.outcomes.get(*i)?.id.clone()),
            [f, n, Index(i)] if key(f, "force_majeure") && key(n, "notices") => {
                Some(self.force_majeure.notices.get(*i)?.id.clone())
            }
            _ => None,
        }
    }
}

/// All problems of a policy, for the merchant to fix at once.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("the policy has {} problem(s):\n{}", .0.len(), lines(.0))]
pub struct PolicyErrors(pub Vec<PolicyProblem>);

fn lines(problems: &[PolicyProblem]) -> String {
    problems.iter().map(|p| format!("  - {p}\n")).collect()
}

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

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use crate::load::DEFAULT_POLICY_TOML;

    /// The default policy with `from` replaced by `to` (which must occur exactly once).
    fn edited(from: &str, to: &str) -> String {
        assert_eq!(
            DEFAULT_POLICY_TOML.matches(from).count(),
            1,
            "{from:?} must be unique"
        );
        DEFAULT_POLICY_TOML.replace(from, to)
    }

    fn problems(text: &str) -> Vec<(String, PolicyProblemCode)> {
        match Policy::from_toml(text) {
            Ok(_) => Vec::new(),
            Err(PolicyErrors(problems)) => {
                problems.into_iter().map(|p| (p.position, p.code)).collect()
            }
        }
    }

    #[test]
    fn the_default_policy_passes() {
        assert_eq!(problems(DEFAULT_POLICY_TOML), []);
    }

    #[test]
    fn an_order_number_demanded_on_an_order_less_branch_is_refused() {
        let text = edited(
            "id = \"payment_no_order\"\nremedy = \"refund_or_investigation\"\nmessage = \"outcome.payment_no_order\"\n\n[outcomes.evidence]\nhint = \"hint.payment_anomaly\"\norder_number = \"optional\"\n",
            "id = \"payment_no_order\"\nremedy = \"refund_or_investigation\"\nmessage = \"outcome.payment_no_order\"\n\n[outcomes.evidence]\nhint = \"hint.payment_anomaly\"\n",
        );
        let Err(PolicyErrors(found)) = Policy::from_toml(&text) else {
            panic!("an order number demanded of a shopper with no order passed");
        };
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "line 305, outcome \"payment_no_order\", evidence.order_number: outcome \"payment_no_order\" requires an order number, but question \"payment_what\", answer \"charged_no_order\", is marked no_order: set order_number = \"optional\""
            ]
        );
        assert_eq!(found[0].code, PolicyProblemCode::OrderDemandedWithoutOrder);
    }

    #[test]
    fn an_order_less_category_reaches_only_outcomes_without_an_order_number() {
        let mut policy = Policy::builtin();
        let at = policy
            .categories
            .iter()
            .position(|c| c.id == "product_quality");
        policy.categories[at.unwrap_or(0)].no_order = true;
        let found = policy.check().err().map(|e| e.0).unwrap_or_default();
        let mut paths: Vec<&str> = found.iter().map(|p| p.position.as_str()).collect();
        paths.sort_unstable();
        // quality_defect, not_covered and (by "arrived damaged") transit damage and its late route.
        assert_eq!(
            paths,
            [
                "outcomes[0].evidence.order_number",
                "outcomes[1].evidence.order_number",
                "outcomes[2].evidence.order_number",
                "outcomes[3].evidence.order_number",
            ]
        );
    }

    #[test]
    fn a_dangling_reference_is_reported_with_its_path() {
        let text = edited("next = \"delivery_lost\"", "next = \"delivery_gone\"");
        assert_eq!(
            problems(&text),
            [
                (
                    "questions[2].answers[1].next".into(),
                    PolicyProblemCode::DanglingReference
                ),
                ("outcomes[5]".into(), PolicyProblemCode::Unreachable),
            ]
        );
    }

    #[test]
    fn a_cycle_is_refused() {
        let text = edited(
            "next = \"quality_defect\"\n\n[[questions.answers]]\nid = \"modified\"",
            "next = \"quality_what\"\n\n[[questions.answers]]\nid = \"modified\"",
        );
        assert_eq!(
            problems(&text),
            [(
                "questions[1].answers[0].next".into(),
                PolicyProblemCode::Cycle
            )]
        );
    }

    #[test]
    fn a_question_without_answers_is_a_dead_end() {
        let mut policy = Policy::builtin();
        policy.questions[3].answers.clear();
        let found: Vec<_> = policy.check().err().map(|e| e.0).unwrap_or_default();
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::DeadEnd
                    && p.position == "questions[3].answers")
        );
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::Unreachable && p.position == "outcomes[6]")
        );
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::Unreachable && p.position == "outcomes[7]")
        );
    }

    #[test]
    fn a_claim_window_of_no_days_is_refused() {
        let text = edited("days_after_delivery = 7", "days_after_delivery = 0");
        let Err(PolicyErrors(found)) = Policy::from_toml(&text) else {
            panic!("a window of 0 days passed");
        };
        let line = text
            .lines()
            .position(|l| l == "days_after_delivery = 0")
            .expect("in the file")
            + 1;
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!(
                "line {line}, outcome \"transit_damage\", claim_window.days_after_delivery: from 1 to 365 days"
            )]
        );
        assert_eq!(
            found[0].position,
            "outcomes[2].claim_window.days_after_delivery"
        );
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let mut text = edited("first_response_hours = 48", "first_response_hours = 0");
        text = text.replace("days_after_delivery = 7", "days_after_delivery = 4000");
        text = text.replace("min_count = 2\n", "min_count = 30\n");
        text = text.replace("id = \"not_covered\"", "id = \"quality_defect\"");
        text = text.replace(
            "\"hint.screenshot\" = \"如有，请附上能说明问题的截图或照片。\"\n",
            "",
        );
        let found = problems(&text);
        for expected in [
            ("outcomes[1].id", PolicyProblemCode::DuplicateId),
            (
                "outcomes[2].claim_window.days_after_delivery",
                PolicyProblemCode::Limit,
            ),
            (
                "outcomes[2].evidence.media.max_count",
                PolicyProblemCode::Limit,
            ),
            (
                "outcomes[9].evidence.hint",
                PolicyProblemCode::MissingMessage,
            ),
            (
                "outcomes[10].evidence.hint",
                PolicyProblemCode::MissingMessage,
            ),
            ("service.first_response_hours", PolicyProblemCode::Limit),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "missing {expected:?} in {found:#?}"
            );
        }
    }

    #[test]
    fn limits_that_contradict_each_other_are_refused() {
        let mut policy = Policy::builtin();
        let media = &mut policy.outcomes[0].evidence.media;
        media.max_file_bytes = 50 * 1024 * 1024;
        media.max_total_bytes = 10 * 1024 * 1024;
        policy.outcomes[0].evidence.description.min_chars = 0;
        policy.order_number.example = "1".into();
        let paths: Vec<String> = policy
            .check()
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.position)
            .collect();
        assert_eq!(
            paths,
            [
                "outcomes[0].evidence.description",
                "outcomes[0].evidence.media.max_total_bytes",
                "order_number.example"
            ]
        );
    }

    #[test]
    fn syntax_errors_and_unknown_settings_point_at_the_line() {
        let typo = edited("first_response_hours = 48", "first_response_hour = 48");
        let found = Policy::from_toml(&typo).expect_err("unknown setting");
        assert_eq!(found.0.len(), 1);
        assert_eq!(found.0[0].code, PolicyProblemCode::Syntax);
        // The typo's own line, counted here from the text rather than taken on trust.
        let typo_line = typo
            .lines()
            .position(|l| l.starts_with("first_response_hour ="))
            .expect("the typo is in the file")
            + 1;
        assert!(typo_line >= 10, "a line that `starts_with` could confuse");
        assert_eq!(found.0[0].line, Some(typo_line), "{}", found.0[0]);
        assert_eq!(found.0[0].path, "service", "{}", found.0[0]);
        assert!(
            found.0[0].detail.contains("first_response_hour"),
            "{}",
            found.0[0]
        );

        let broken =
            Policy::from_toml("default_locale = \"en\"\n[service\n").expect_err("bad toml");
        assert_eq!(broken.0.len(), 1);
        assert_eq!(broken.0[0].code, PolicyProblemCode::Syntax);
        assert_eq!(broken.0[0].line, Some(2), "{}", broken.0[0]);
    }

    /// Items are named by their ids, as the merchant wrote them, not by position.
    #[test]
    fn problems_name_items_by_id() {
        let mut policy = Policy::builtin();
        let question = policy.questions[2].id.clone();
        let answer = policy.questions[2].answers[1].id.clone();
        policy.questions[2].answers[1].next = "nowhere".into();
        policy.outcomes[0].evidence.media.max_count = 99;
        let found = policy.check().expect_err("refused").0;
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert!(
            shown.contains(&format!(
                "question {question:?}, answer {answer:?}, next: no question or outcome is named \"nowhere\""
            )),
            "{shown:#?}"
        );
        assert!(
            shown.contains(&format!(
                "outcome {:?}, evidence.media.max_count: need min_count ≤ max_count ≤ 20",
                policy.outcomes[0].id
            )),
            "{shown:#?}"
        );
        assert!(shown.iter().all(|s| !s.contains('[')), "{shown:#?}");
    }

    #[test]
    fn a_notice_published_twice_is_refused() {
        let mut policy = Policy::builtin();
        let notice = crate::policy::Notice {
            id: "typhoon".into(),
            message: "force_majeure.message".into(),
            starts_on: "2026-09-10".parse().expect("date"),
            ends_on: None,
            categories: Vec::new(),
        };
        policy.force_majeure.notices = vec![notice.clone(), notice];
        let shown: Vec<String> = policy
            .check()
            .expect_err("refused")
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "notice \"typhoon\", id: notice \"typhoon\" is published twice (in the policy or the config)"
            ]
        );
    }

    #[test]
    fn positions_read_back_into_steps() {
        use Segment::{Index, Key};
        assert_eq!(
            segments("questions[2].answers[1].next"),
            [
                Key("questions".into()),
                Index(2),
                Key("answers".into()),
                Index(1),
                Key("next".into())
            ]
        );
        assert_eq!(
            segments("messages.zh-CN.hint.screenshot"),
            [
                Key("messages".into()),
                Key("zh-CN".into()),
                Key("hint.screenshot".into())
            ]
        );
        let policy = Policy::builtin();
        assert_eq!(
            name_position(&segments("messages.zh-CN.hint.screenshot"), |_| None),
            "messages.zh-CN.\"hint.screenshot\""
        );
        assert_eq!(
            name_position(&segments("outcomes[40].id"), |s| policy.id_at(s)),
            "outcome #41, id"
        );
    }
}
