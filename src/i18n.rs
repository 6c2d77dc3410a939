//! The widget's own wording in every language it speaks. The site's policy brings its own
//! texts (questions, outcomes); these are the words around them. Each language is one
//! exhaustive `match`, so a missing translation does not compile.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Locale {
    En,
    ZhCn,
}

impl Locale {
    /// The BCP 47 tag, as used in `<html lang>` and in the policy's `[messages.*]` tables.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The closest language we speak for a tag such as `zh-Hans-CN` or `en-GB`; English else.
    pub fn negotiate(tag: &str) -> Locale {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Locale::ZhCn
        } else {
            Locale::En
        }
    }

    pub fn text(self, text: Text) -> &'static str {
        match self {
            Locale::En => en(text),
            Locale::ZhCn => zh_cn(text),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Text {
    Loading,
    LoadFailed,
    TryAgain,
    StartHeading,
    StartIntro,
    Notices,
    Back,
    StepOf,
    OutcomeHeading,
    Covered,
    NotCovered,
    CarrierClaim,
    ToBeVerified,
    DaysToReport,
    WhatToAttach,
}

fn en(text: Text) -> &'static str {
    match text {
        Text::Loading => "Loading the help center…",
        Text::LoadFailed => {
            "We couldn't load the help center. Check your connection and try again."
        }
        Text::TryAgain => "Try again",
        Text::StartHeading => "What went wrong with your order?",
        Text::StartIntro => {
            "Pick what fits best. We'll tell you what we can do before you write anything."
        }
        Text::Notices => "Notices",
        Text::Back => "Back",
        Text::StepOf => "Step {n}",
        Text::OutcomeHeading => "What we'll do",
        Text::Covered => "Covered by the store",
        Text::NotCovered => "Not covered by the store",
        Text::CarrierClaim => "Claimed from the delivery company",
        Text::ToBeVerified => "Decided after we check",
        Text::DaysToReport => "Report within {days} days of receiving the parcel.",
        Text::WhatToAttach => "What to attach",
    }
}

fn zh_cn(text: Text) -> &'static str {
    match text {
        Text::Loading => "正在加载帮助中心…",
        Text::LoadFailed => "帮助中心加载失败。请检查网络连接后重试。",
        Text::TryAgain => "重试",
        Text::StartHeading => "您的订单遇到了什么问题？",
        Text::StartIntro => {
            "请选择最符合的一项。在您填写任何内容之前，我们会先告诉您我们能做什么。"
        }
        Text::Notices => "公告",
        Text::Back => "返回",
        Text::StepOf => "第 {n} 步",
        Text::OutcomeHeading => "我们的处理方式",
        Text::Covered => "由商家负责",
        Text::NotCovered => "不在商家保障范围内",
        Text::CarrierClaim => "向物流公司索赔",
        Text::ToBeVerified => "核实后决定",
        Text::DaysToReport => "请在收货后 {days} 天内提交。",
        Text::WhatToAttach => "需要提供的材料",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_languages_map_to_ours() {
        assert_eq!(Locale::negotiate("zh-Hans-CN"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("ZH-tw"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("en-GB"), Locale::En);
        assert_eq!(Locale::negotiate("fr"), Locale::En);
    }
}
