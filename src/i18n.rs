//! The widget's own wording in every language it speaks. The site's policy brings its own
//! texts (questions, outcomes); these are the words around them, and what every problem code
//! of helpcenter-core means to a shopper. Each language is one exhaustive `match`, so a missing
//! translation does not compile.

use helpcenter_api::EventKind;
use helpcenter_core::{CivilDate, ProblemCode, ResolutionKind, TicketStatus};

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

    /// `text` with each `{name}` replaced by its value.
    pub fn fill(self, text: Text, values: &[(&str, &str)]) -> String {
        fill(self.text(text), values)
    }

    /// What a problem means and what to do about it, with `{name}` placeholders for
    /// [`crate::problems`] to fill in.
    pub fn problem(self, code: ProblemCode) -> &'static str {
        match self {
            Locale::En => en_problem(code),
            Locale::ZhCn => zh_cn_problem(code),
        }
    }

    /// Where a ticket stands, in the shopper's words.
    pub fn status(self, status: TicketStatus) -> &'static str {
        use TicketStatus::*;
        match (self, status) {
            (Locale::En, Submitted) => "Received",
            (Locale::En, InReview) => "Under review",
            (Locale::En, NeedsInfo) => "We need something from you",
            (Locale::En, Resolved) => "Resolved",
            (Locale::En, Escalated) => "Disputed: in negotiation",
            (Locale::En, Closed) => "Closed",
            (Locale::ZhCn, Submitted) => "已收到",
            (Locale::ZhCn, InReview) => "审核中",
            (Locale::ZhCn, NeedsInfo) => "需要您补充信息",
            (Locale::ZhCn, Resolved) => "已处理",
            (Locale::ZhCn, Escalated) => "有异议：协商中",
            (Locale::ZhCn, Closed) => "已关闭",
        }
    }

    /// What the store decided, as the shopper would say it ("Resolved: we exchange the
    /// item"), never the agent's one-word label.
    pub fn resolution(self, kind: ResolutionKind) -> &'static str {
        use ResolutionKind::*;
        match (self, kind) {
            (Locale::En, Return) => "we take it back and refund you",
            (Locale::En, Exchange) => "we exchange the item",
            (Locale::En, Repair) => "we repair the item",
            (Locale::En, Replacement) => "we send you a new one",
            (Locale::En, Refund) => "we refund you",
            (Locale::En, CarrierClaim) => "we claim from the delivery company",
            (Locale::En, PaidSupport) => "we offer paid help",
            (Locale::En, Declined) => "not covered",
            (Locale::ZhCn, Return) => "退货并退款",
            (Locale::ZhCn, Exchange) => "为您换货",
            (Locale::ZhCn, Repair) => "为您维修",
            (Locale::ZhCn, Replacement) => "为您补发新品",
            (Locale::ZhCn, Refund) => "为您退款",
            (Locale::ZhCn, CarrierClaim) => "由我们向物流公司索赔",
            (Locale::ZhCn, PaidSupport) => "提供付费帮助",
            (Locale::ZhCn, Declined) => "不在保障范围内",
        }
    }

    /// What a resolution means for the shopper: what happens now and what they do.
    pub fn resolution_meaning(self, kind: ResolutionKind) -> &'static str {
        use ResolutionKind::*;
        match (self, kind) {
            (Locale::En, Return) => {
                "Send the item back as our message explains. We refund you once it arrives."
            }
            (Locale::En, Exchange) => {
                "Send the item back as our message explains; we ship the new one as soon as it's on its way."
            }
            (Locale::En, Repair) => {
                "We repair the item. Our message says how to send it in and when to expect it back."
            }
            (Locale::En, Replacement) => {
                "We're sending you a replacement. We'll add its tracking number here once it ships."
            }
            (Locale::En, Refund) => {
                "We refund the payment to the way you paid. It can take a few business days to show."
            }
            (Locale::En, CarrierClaim) => {
                "We're claiming the damage from the delivery company with your photos, and we'll tell you the result."
            }
            (Locale::En, PaidSupport) => {
                "Our policy doesn't cover this (improper use, modification or not following the instructions). We can offer paid technical support or guidance: write to us here if you'd like it."
            }
            (Locale::En, Declined) => {
                "We couldn't accept this request; the history below says why. If you disagree, you can dispute it."
            }
            (Locale::ZhCn, Return) => "请按我们留言中的说明寄回商品。收到商品后我们会为您退款。",
            (Locale::ZhCn, Exchange) => {
                "请按我们留言中的说明寄回商品；商品寄出后我们会尽快发出新商品。"
            }
            (Locale::ZhCn, Repair) => "我们将维修商品。我们的留言会说明如何寄送以及预计何时寄回。",
            (Locale::ZhCn, Replacement) => "我们正在为您补发商品，发货后会在这里告诉您物流单号。",
            (Locale::ZhCn, Refund) => "我们将按原支付方式退款，到账可能需要几个工作日。",
            (Locale::ZhCn, CarrierClaim) => "我们正凭您提供的照片向物流公司索赔，并会告知您结果。",
            (Locale::ZhCn, PaidSupport) => {
                "此情况（使用不当、擅自改装或未按说明操作）不在政策保障范围内。我们可提供付费技术支持或指导：如有需要，请在这里给我们留言。"
            }
            (Locale::ZhCn, Declined) => {
                "我们无法受理此申请，原因见下方处理记录。如有异议，您可以提出。"
            }
        }
    }

    /// A line of the ticket's history.
    pub fn event(self, kind: EventKind) -> &'static str {
        use EventKind::*;
        match (self, kind) {
            (Locale::En, Created) => "Request received",
            (Locale::En, StatusChanged) => "Status changed",
            (Locale::En, InfoRequested) => "The store asked for more information",
            (Locale::En, Message) => "Message from the store",
            (Locale::En, ShopperReply) => "Your answer",
            (Locale::En, InternalNote) => "Note",
            (Locale::ZhCn, Created) => "已收到申请",
            (Locale::ZhCn, StatusChanged) => "状态已更新",
            (Locale::ZhCn, InfoRequested) => "商家请您补充信息",
            (Locale::ZhCn, Message) => "商家留言",
            (Locale::ZhCn, ShopperReply) => "您的回复",
            (Locale::ZhCn, InternalNote) => "备注",
        }
    }

    /// A day as people of this language write it ("24 November 2026", "2026年11月24日").
    pub fn date(self, day: CivilDate) -> String {
        let (y, m, d) = day.ymd();
        match self {
            Locale::En => {
                const MONTHS: [&str; 12] = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                let month = MONTHS.get(usize::from(m).saturating_sub(1)).unwrap_or(&"");
                format!("{d} {month} {y}")
            }
            Locale::ZhCn => format!("{y}年{m}月{d}日"),
        }
    }

    /// A moment as people of this language write it, in the same form as [`Locale::date`] so a
    /// request reads one way throughout ("24 November 2026, 15:04", "2026年11月24日 15:04").
    pub fn date_time(self, day: CivilDate, hour: u32, minute: u32) -> String {
        let day = self.date(day);
        match self {
            Locale::En => format!("{day}, {hour:02}:{minute:02}"),
            Locale::ZhCn => format!("{day} {hour:02}:{minute:02}"),
        }
    }

    /// A size in bytes, rounded for people: "850 KB", "4.2 MB". Integer arithmetic: float
    /// formatting alone would add kilobytes of wasm. Both languages write sizes alike.
    pub fn bytes(self, bytes: u64) -> String {
        const KB: u64 = 1024;
        const MB: u64 = KB * KB;
        if bytes < MB {
            return format!("{} KB", bytes.div_ceil(KB));
        }
        // Tenths of a megabyte, rounded half up; whole numbers from 10 MB on.
        let tenths = (bytes * 10 + MB / 2) / MB;
        if tenths >= 100 || tenths.is_multiple_of(10) {
            format!("{} MB", (tenths + 5) / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Text {
    Loading,
    LoadFailed,
    TryAgain,
    /// While the filing screens are fetched (the first Continue after the outcome).
    StepLoading,
    StepLoadFailed,
    StartHeading,
    StartIntro,
    Notices,
    Back,
    Close,
    Continue,
    StepOf,
    Stages,
    StageProblem,
    StageDetails,
    StageEvidence,
    StageReview,
    OutcomeHeading,
    Covered,
    NotCovered,
    CarrierClaim,
    ToBeVerified,
    DeliveredOnLabel,
    DeliveredOnHint,
    WindowOpen,
    WindowLastDay,
    WindowClosed,
    ReturnPolicyLink,
    WhatToAttach,
    DetailsHeading,
    OrderNumberLabel,
    OrderNumberHint,
    DescriptionLabel,
    DescriptionHint,
    DescriptionCount,
    EmailLabel,
    EmailHint,
    FixBeforeContinuing,
    /// Continue on the photos step while a file there cannot be sent.
    FixFilesBeforeContinuing,
    /// Continue on the photos step while a file is still being checked.
    WaitForChecks,
    EvidenceHeading,
    EvidenceCount,
    ChooseFiles,
    TakePhoto,
    DropHint,
    FileChecking,
    FileWaiting,
    FileUploading,
    FileRetrying,
    FileUploaded,
    FilePaused,
    FileNotSent,
    /// A 429 the upload could not wait out: the connection sent too much.
    FileTooMany,
    /// A 507: the help center has no room for evidence right now.
    FileStorageFull,
    SignedInAs,
    FileMissing,
    Remove,
    /// What Remove, Replace, Retry and Cancel say to a screen reader: which file.
    ActionOnFile,
    Replace,
    Retry,
    Cancel,
    ReviewHeading,
    ReviewProblem,
    ReviewWhatHappens,
    ReviewFiles,
    Edit,
    Submit,
    Submitting,
    SubmitNetwork,
    SubmitServer,
    SubmitWaitUploads,
    SubmittedHeading,
    SubmittedNumber,
    SubmittedNext,
    /// Said only when the site mails a receipt.
    SubmittedReceipt,
    /// Said only when the site mails its answers.
    SubmittedMailUpdates,
    /// The order number on a claim that may have none.
    OrderNumberOptional,
    /// The count of files when none is required.
    EvidenceCountOptional,
    SubmittedKeep,
    /// Beside a request number.
    Copy,
    Copied,
    /// When the browser refused to copy: the number is selected for the device's own Copy.
    CopySelected,
    StartAnother,
    DiscardDraft,
    DiscardConfirm,
    Resumed,
    MyRequests,
    /// The header's title while a request is being made.
    ReportProblem,
    /// After the number of requests with news: "2 with news".
    MyRequestsNews,
    RequestsHeading,
    RequestsEmpty,
    RequestsLoading,
    RequestsFailed,
    RequestUpdated,
    RequestNews,
    RequestCannotOpen,
    NewRequest,
    FindHeading,
    FindIntro,
    RequestNumberLabel,
    RequestNumberMissing,
    Find,
    Finding,
    FindNotFound,
    TicketHeading,
    TicketLoading,
    TicketFailed,
    TicketNotFound,
    BackToRequests,
    Progress,
    RespondBy,
    WhatItMeans,
    History,
    FilesYouSent,
    Reconnecting,
    StatusNow,
    StoreAsks,
    /// Over the message box while the store is not asking: the shopper adds on their own.
    AddToRequest,
    AddHint,
    SendMessage,
    /// Over the claim as filed, at the top of the conversation.
    YourClaim,
    Conversation,
    AnswerLabel,
    AnswerHint,
    SendAnswer,
    Sending,
    AnswerSent,
    SendFailed,
    SendRefused,
    DisputeHeading,
    DisputeOpen,
    DisputeReasonLabel,
    DisputeSend,
    DisputeSent,
    EscalatedNow,
    LegalRecourse,
    FileCount,
    FollowRequest,
    /// A status with what was decided: "Resolved: we exchange the item".
    StatusWithResolution,
    OneFile,
}

fn en(text: Text) -> &'static str {
    match text {
        Text::Loading => "Loading the help center…",
        Text::LoadFailed => {
            "We couldn't load the help center. Check your connection and try again."
        }
        Text::TryAgain => "Try again",
        Text::StepLoading => "Loading the next step…",
        Text::StepLoadFailed => {
            "We couldn't load the next step. What you entered is kept: check your connection and try again."
        }
        Text::StartHeading => "What went wrong with your order?",
        Text::StartIntro => {
            "Pick what fits best. We'll tell you what we can do before you write anything."
        }
        Text::Notices => "Notices",
        Text::Back => "Back",
        Text::Close => "Close",
        Text::Continue => "Continue",
        Text::StepOf => "Question {n}",
        Text::Stages => "Your request",
        Text::StageProblem => "Problem",
        Text::StageDetails => "Details",
        Text::StageEvidence => "Photos",
        Text::StageReview => "Send",
        Text::OutcomeHeading => "What we'll do",
        Text::Covered => "Covered by the store",
        Text::NotCovered => "Not covered by the store",
        Text::CarrierClaim => "Claimed from the delivery company",
        Text::ToBeVerified => "Decided after we check",
        Text::DeliveredOnLabel => "When did the parcel arrive?",
        Text::DeliveredOnHint => "The day you received it, as on the tracking page.",
        Text::WindowOpen => "You have {days} more days to report it: until {date}.",
        Text::WindowLastDay => "Today is the last day to report it.",
        Text::WindowClosed => {
            "The {days} days to report damage to the delivery company ended on {date}."
        }
        Text::ReturnPolicyLink => "Read our Return and Exchange Policy",
        Text::WhatToAttach => "What to attach",
        Text::DetailsHeading => "Tell us about it",
        Text::OrderNumberLabel => "Order number",
        Text::OrderNumberHint => "As in your order confirmation, for example {example}.",
        Text::DescriptionLabel => "What happened?",
        Text::DescriptionHint => "What you noticed, when, and what you have tried.",
        Text::DescriptionCount => "{n} of at least {min} characters",
        Text::EmailLabel => "Your email",
        Text::EmailHint => "We only use it to answer this request.",
        Text::FixBeforeContinuing => "Please fix the fields marked above.",
        Text::FixFilesBeforeContinuing => {
            "A file above can't be sent. Remove it or replace it, then continue."
        }
        Text::WaitForChecks => "We're still checking a file. Continue once it's checked.",
        Text::EvidenceHeading => "Photos and videos",
        Text::EvidenceCount => "{min}–{max} files, up to {size} each.",
        Text::ChooseFiles => "Choose photos or videos",
        Text::TakePhoto => "Take a photo",
        Text::DropHint => "You can also drop files here or paste a screenshot.",
        Text::FileChecking => "Checking…",
        Text::FileWaiting => "Waiting to upload",
        Text::FileUploading => "Uploading: {percent}%",
        Text::FileRetrying => "Connection lost. Trying again in {seconds} s…",
        Text::FileUploaded => "Uploaded",
        Text::FilePaused => "Upload paused: we can't reach the help center.",
        Text::FileNotSent => "Not sent",
        Text::FileTooMany => {
            "Not sent: too many uploads from this connection. Try again in a few minutes."
        }
        Text::FileStorageFull => {
            "Not sent: the help center's storage is full. Try again later; your file stays here."
        }
        Text::SignedInAs => "Signed in as {email}",
        Text::FileMissing => {
            "This file is no longer available on this device. Please add it again."
        }
        Text::Remove => "Remove",
        Text::ActionOnFile => "{action}: {name}",
        Text::Replace => "Replace",
        Text::Retry => "Retry",
        Text::Cancel => "Cancel",
        Text::ReviewHeading => "Check and send",
        Text::ReviewProblem => "Your problem",
        Text::ReviewWhatHappens => "What we'll do",
        Text::ReviewFiles => "Files",
        Text::Edit => "Change",
        Text::Submit => "Send my request",
        Text::Submitting => "Sending…",
        Text::SubmitNetwork => {
            "We couldn't reach the help center. Nothing you entered is lost: try again when you're back online."
        }
        Text::SubmitServer => {
            "Something went wrong on our side. Nothing you entered is lost: please try again in a moment."
        }
        Text::SubmitWaitUploads => "Your files are still uploading. We'll be ready in a moment.",
        Text::SubmittedHeading => "We've received your request",
        Text::SubmittedNumber => "Your request number is {id}.",
        Text::SubmittedNext => "We'll check it and answer by {when}.",
        Text::SubmittedReceipt => "A confirmation with this number is on its way to {email}.",
        Text::SubmittedMailUpdates => "We'll e-mail {email} when there's news.",
        Text::OrderNumberOptional => "Order number (if you have one)",
        Text::EvidenceCountOptional => "Optional: up to {max} files, up to {size} each.",
        Text::SubmittedKeep => "You can follow it here under My requests.",
        Text::Copy => "Copy",
        Text::Copied => "Copied",
        Text::CopySelected => "Selected: copy it with your device",
        Text::StartAnother => "Report another problem",
        Text::DiscardDraft => "Discard this request",
        Text::DiscardConfirm => "Discard everything you entered and uploaded?",
        Text::Resumed => "We kept what you entered last time.",
        Text::MyRequests => "My requests",
        Text::ReportProblem => "Report a problem",
        Text::MyRequestsNews => "with news",
        Text::RequestsHeading => "My requests",
        Text::RequestsEmpty => {
            "There are no requests on this device yet. If you sent one from another device, find it below."
        }
        Text::RequestsLoading => "Checking your requests…",
        Text::RequestsFailed => {
            "We couldn't check your requests. Check your connection and try again."
        }
        Text::RequestUpdated => "Updated {when}",
        Text::RequestNews => "New",
        Text::RequestCannotOpen => {
            "This request can't be opened from this device any more: find it again below."
        }
        Text::NewRequest => "Report another problem",
        Text::FindHeading => "Find a request",
        Text::FindIntro => {
            "Sent it from another device, or cleared your browser? Enter the request number (it starts with HC-), the order number you gave, if any, and your email address."
        }
        Text::RequestNumberLabel => "Request number",
        Text::RequestNumberMissing => "Enter the request number, for example HC-7F3K9Q.",
        Text::Find => "Find it",
        Text::Finding => "Looking…",
        Text::FindNotFound => {
            "No request matches these details. Check the request number, order number and email address."
        }
        Text::TicketHeading => "Request {id}",
        Text::TicketLoading => "Opening your request…",
        Text::TicketFailed => "We couldn't open your request. Check your connection and try again.",
        Text::TicketNotFound => {
            "This request can't be opened with what this device has. Find it again with its number, your order number and email."
        }
        Text::BackToRequests => "All my requests",
        Text::Progress => "Progress",
        Text::RespondBy => "We'll answer by {when}.",
        Text::WhatItMeans => "What this means for you",
        Text::History => "History",
        Text::AddToRequest => "Add something",
        Text::AddHint => {
            "A detail you remembered, or another photo: the store sees it with your request."
        }
        Text::SendMessage => "Send",
        Text::YourClaim => "Your request",
        Text::Conversation => "Messages and updates",
        Text::FilesYouSent => "Files you sent",
        Text::Reconnecting => "Connection lost: reconnecting…",
        Text::StatusNow => "Status: {status}",
        Text::StoreAsks => "The store needs something from you",
        Text::AnswerLabel => "Your answer",
        Text::AnswerHint => "Add photos or videos too if the store asked for them.",
        Text::SendAnswer => "Send answer",
        Text::Sending => "Sending…",
        Text::AnswerSent => "Your answer was sent. We'll review your request again.",
        Text::SendFailed => {
            "We couldn't send this. Nothing you wrote is lost: check your connection and try again."
        }
        Text::SendRefused => "The request has changed meanwhile. Look at its status above.",
        Text::DisputeHeading => "Disagree with how we handled this?",
        Text::DisputeOpen => "Dispute this decision",
        Text::DisputeReasonLabel => "Why do you disagree? (optional)",
        Text::DisputeSend => "Send my dispute",
        Text::DisputeSent => {
            "Your dispute was sent. We'll contact you to find a solution together."
        }
        Text::EscalatedNow => {
            "You've disputed this decision. We'll first try to find a solution with you."
        }
        Text::LegalRecourse => "If negotiation fails",
        Text::FileCount => "{count} files",
        Text::FollowRequest => "Follow this request",
        Text::StatusWithResolution => "{status}: {resolution}",
        Text::OneFile => "1 file",
    }
}

fn zh_cn(text: Text) -> &'static str {
    match text {
        Text::Loading => "正在加载帮助中心…",
        Text::LoadFailed => "帮助中心加载失败。请检查网络连接后重试。",
        Text::TryAgain => "重试",
        Text::StepLoading => "正在加载下一步…",
        Text::StepLoadFailed => "下一步加载失败。您填写的内容已保存，请检查网络连接后重试。",
        Text::StartHeading => "您的订单遇到了什么问题？",
        Text::StartIntro => {
            "请选择最符合的一项。在您填写任何内容之前，我们会先告诉您我们能做什么。"
        }
        Text::Notices => "公告",
        Text::Back => "返回",
        Text::Close => "关闭",
        Text::Continue => "继续",
        Text::StepOf => "第 {n} 题",
        Text::Stages => "您的申请",
        Text::StageProblem => "问题",
        Text::StageDetails => "详情",
        Text::StageEvidence => "照片",
        Text::StageReview => "提交",
        Text::OutcomeHeading => "我们的处理方式",
        Text::Covered => "由商家负责",
        Text::NotCovered => "不在商家保障范围内",
        Text::CarrierClaim => "向物流公司索赔",
        Text::ToBeVerified => "核实后决定",
        Text::DeliveredOnLabel => "您是哪天收到包裹的？",
        Text::DeliveredOnHint => "即物流页面显示的签收日期。",
        Text::WindowOpen => "您还有 {days} 天可以提交：截至 {date}。",
        Text::WindowLastDay => "今天是提交的最后一天。",
        Text::WindowClosed => "向物流公司索赔的 {days} 天期限已于 {date} 结束。",
        Text::ReturnPolicyLink => "查看我们的退换货政策",
        Text::WhatToAttach => "需要提供的材料",
        Text::DetailsHeading => "请告诉我们详情",
        Text::OrderNumberLabel => "订单号",
        Text::OrderNumberHint => "见订单确认信息，例如 {example}。",
        Text::DescriptionLabel => "发生了什么？",
        Text::DescriptionHint => "您发现了什么、什么时候发现的、已经尝试过什么。",
        Text::DescriptionCount => "已输入 {n} 字，至少 {min} 字",
        Text::EmailLabel => "您的邮箱",
        Text::EmailHint => "仅用于回复本次申请。",
        Text::FixBeforeContinuing => "请先修改上面标出的内容。",
        Text::FixFilesBeforeContinuing => "上面有文件无法上传。请删除或替换该文件，然后继续。",
        Text::WaitForChecks => "我们仍在检查文件，检查完成后即可继续。",
        Text::EvidenceHeading => "照片和视频",
        Text::EvidenceCount => "{min}–{max} 个文件，每个不超过 {size}。",
        Text::ChooseFiles => "选择照片或视频",
        Text::TakePhoto => "拍照",
        Text::DropHint => "也可以把文件拖到这里，或粘贴截图。",
        Text::FileChecking => "正在检查…",
        Text::FileWaiting => "等待上传",
        Text::FileUploading => "正在上传：{percent}%",
        Text::FileRetrying => "网络连接中断，{seconds} 秒后重试…",
        Text::FileUploaded => "已上传",
        Text::FilePaused => "上传已暂停：无法连接帮助中心。",
        Text::FileNotSent => "未上传",
        Text::FileTooMany => "未上传：此网络连接的上传次数过多，请几分钟后重试。",
        Text::FileStorageFull => "未上传：帮助中心存储空间已满，请稍后重试；文件仍保留在此。",
        Text::SignedInAs => "已登录：{email}",
        Text::FileMissing => "此设备上已找不到这个文件，请重新添加。",
        Text::Remove => "移除",
        Text::ActionOnFile => "{action}：{name}",
        Text::Replace => "替换",
        Text::Retry => "重试",
        Text::Cancel => "取消",
        Text::ReviewHeading => "确认并提交",
        Text::ReviewProblem => "您的问题",
        Text::ReviewWhatHappens => "我们的处理方式",
        Text::ReviewFiles => "文件",
        Text::Edit => "修改",
        Text::Submit => "提交申请",
        Text::Submitting => "正在提交…",
        Text::SubmitNetwork => "无法连接帮助中心。您填写的内容都已保留，联网后请重试。",
        Text::SubmitServer => "我们这边出了问题。您填写的内容都已保留，请稍后重试。",
        Text::SubmitWaitUploads => "文件仍在上传，请稍候。",
        Text::SubmittedHeading => "我们已收到您的申请",
        Text::SubmittedNumber => "您的申请编号是 {id}。",
        Text::SubmittedNext => "我们会在 {when} 前核实并答复。",
        Text::SubmittedReceipt => "含此编号的确认邮件正在发送至 {email}。",
        Text::SubmittedMailUpdates => "有新进展时，我们会发邮件至 {email}。",
        Text::OrderNumberOptional => "订单号（如有）",
        Text::EvidenceCountOptional => "可选：最多 {max} 个文件，每个不超过 {size}。",
        Text::SubmittedKeep => "您可以在“我的申请”中查看进度。",
        Text::Copy => "复制",
        Text::Copied => "已复制",
        Text::CopySelected => "已选中，请用设备的复制功能",
        Text::StartAnother => "反馈其他问题",
        Text::DiscardDraft => "放弃本次申请",
        Text::DiscardConfirm => "确定放弃已填写和上传的全部内容吗？",
        Text::Resumed => "已为您保留上次填写的内容。",
        Text::MyRequests => "我的申请",
        Text::ReportProblem => "报告问题",
        Text::MyRequestsNews => "条有新进展",
        Text::RequestsHeading => "我的申请",
        Text::RequestsEmpty => "此设备上还没有申请。如果您在其他设备上提交过，请在下方查找。",
        Text::RequestsLoading => "正在查询您的申请…",
        Text::RequestsFailed => "无法查询您的申请。请检查网络后重试。",
        Text::RequestUpdated => "更新于 {when}",
        Text::RequestNews => "新进展",
        Text::RequestCannotOpen => "此设备已无法打开这个申请，请在下方重新查找。",
        Text::NewRequest => "报告其他问题",
        Text::FindHeading => "查找申请",
        Text::FindIntro => {
            "在其他设备上提交过，或清除了浏览器数据？请输入申请编号（以 HC- 开头）、您填写的订单号（如有）和邮箱。"
        }
        Text::RequestNumberLabel => "申请编号",
        Text::RequestNumberMissing => "请输入申请编号，例如 HC-7F3K9Q。",
        Text::Find => "查找",
        Text::Finding => "正在查找…",
        Text::FindNotFound => "没有与这些信息匹配的申请。请检查申请编号、订单号和邮箱。",
        Text::TicketHeading => "申请 {id}",
        Text::TicketLoading => "正在打开您的申请…",
        Text::TicketFailed => "无法打开您的申请。请检查网络后重试。",
        Text::TicketNotFound => {
            "无法用此设备上的信息打开这个申请。请用申请编号、订单号和邮箱重新查找。"
        }
        Text::BackToRequests => "全部申请",
        Text::Progress => "进度",
        Text::RespondBy => "我们将在 {when} 前答复。",
        Text::WhatItMeans => "这对您意味着什么",
        Text::History => "处理记录",
        Text::AddToRequest => "补充信息",
        Text::AddHint => "想起的细节或另一张照片：商家会和您的申请一起看到。",
        Text::SendMessage => "发送",
        Text::YourClaim => "您的申请",
        Text::Conversation => "消息与进展",
        Text::FilesYouSent => "您提交的文件",
        Text::Reconnecting => "连接已断开，正在重新连接…",
        Text::StatusNow => "状态：{status}",
        Text::StoreAsks => "商家需要您补充信息",
        Text::AnswerLabel => "您的回复",
        Text::AnswerHint => "如果商家要求，请一并添加照片或视频。",
        Text::SendAnswer => "发送回复",
        Text::Sending => "正在发送…",
        Text::AnswerSent => "您的回复已发送。我们会重新审核您的申请。",
        Text::SendFailed => "发送失败。您填写的内容都已保留，请检查网络后重试。",
        Text::SendRefused => "申请状态已发生变化，请查看上方的状态。",
        Text::DisputeHeading => "不同意我们的处理结果？",
        Text::DisputeOpen => "对处理结果提出异议",
        Text::DisputeReasonLabel => "您为什么不同意？（选填）",
        Text::DisputeSend => "提交异议",
        Text::DisputeSent => "您的异议已提交。我们会与您联系，共同寻求解决方案。",
        Text::EscalatedNow => "您已对处理结果提出异议。我们会先与您协商解决。",
        Text::LegalRecourse => "如果协商不成",
        Text::FileCount => "{count} 个文件",
        Text::FollowRequest => "查看申请进度",
        Text::StatusWithResolution => "{status}：{resolution}",
        Text::OneFile => "1 个文件",
    }
}

/// Placeholders: `{example}` (order number), `{min}`/`{max}` (characters or files), `{size}`,
/// `{total}`, `{width}`×`{height}` and `{min_width}`×`{min_height}`, `{seconds}`,
/// `{max_seconds}`, `{taken}`, `{delivered}`, `{photos}`.
fn en_problem(code: ProblemCode) -> &'static str {
    use ProblemCode::*;
    match code {
        CategoryUnknown => "Please choose what went wrong.",
        AnswerUnknown | AnswersIncomplete | AnswersTooMany => {
            "Please answer the questions again: the help center has changed since you started."
        }
        OrderNumberMissing => "Enter your order number.",
        OrderNumberFormat => {
            "This doesn't look like one of our order numbers. Check it against your order confirmation, for example {example}."
        }
        DescriptionMissing => "Tell us what happened.",
        DescriptionTooShort => "Please tell us a bit more: at least {min} characters.",
        DescriptionTooLong => "Please shorten this to {max} characters at most.",
        EmailMissing => "Enter your email address so we can answer you.",
        EmailFormat => "Check your email address: it should look like name@example.com.",
        DeliveredOnMissing => "Enter the day the parcel arrived.",
        DeliveredOnFormat => "Enter a date like 2026-11-20.",
        DeliveredOnInFuture => "This day hasn't happened yet: enter the day the parcel arrived.",
        ClaimWindowClosed => "It's too late to report this under our policy.",
        EvidenceTooFew => "Add at least {min} files.",
        EvidenceTooFewPhotos => "Add at least {photos} photos (videos don't count for this).",
        EvidenceTooMany => "You can send at most {max} files: remove one.",
        EvidenceTooLarge => "All files together may be at most {total}: remove or replace one.",
        FileEmpty => "This file is empty. Choose another one.",
        FileTypeNotAccepted => {
            "This isn't a photo or video we can accept, whatever its name says. Use a JPEG, PNG, WebP or HEIC photo, or an MP4, MOV or WebM video."
        }
        FileTooLarge => {
            "This file is {size}; the limit is {max_size}. Send a smaller photo or a shorter video."
        }
        FileDuplicate => "You've already added this same file. Remove it or pick another.",
        ImageTooSmall => {
            "This picture is too small ({width}×{height}) to see the details. Use one of at least {min_width}×{min_height} pixels."
        }
        ImageUnreadable => "We can't open this picture. It may be damaged: take or choose another.",
        ImageTooManyPixels => {
            "This picture ({width}×{height}) is too large to open. Send a smaller one."
        }
        VideoTooLong => {
            "This video is {seconds} s long; the limit is {max_seconds} s. Trim it or send a shorter one."
        }
        VideoDurationUnknown => "We can't read this video. Try another format or record it again.",
        PhotoTakenBeforeDelivery => {
            "This photo was taken on {taken}, before the parcel arrived on {delivered}. Please send photos taken after delivery."
        }
        FileNotUploaded => "This file didn't finish uploading. Retry it or add it again.",
        FileAlreadyAttached => "This file already belongs to another request. Add it again.",
        MessageTooLong => "Please shorten this to {max_chars} characters at most.",
        ReplyEmpty => "Write your answer or add a file.",
        ItemNotInOrder => "This item is no longer part of your order. Choose your items again.",
        ItemQuantity => "Choose between 1 and the number you ordered.",
        ItemDuplicate => "You've chosen this item twice.",
        ItemsTooMany => "Choose fewer items.",
        ItemsWithoutOrder => {
            "We couldn't check your order, so items can't be chosen. Describe them instead."
        }
    }
}

fn zh_cn_problem(code: ProblemCode) -> &'static str {
    use ProblemCode::*;
    match code {
        CategoryUnknown => "请选择遇到的问题。",
        AnswerUnknown | AnswersIncomplete | AnswersTooMany => "帮助中心已更新，请重新回答问题。",
        OrderNumberMissing => "请输入订单号。",
        OrderNumberFormat => "这不像我们的订单号。请对照订单确认信息检查，例如 {example}。",
        DescriptionMissing => "请告诉我们发生了什么。",
        DescriptionTooShort => "请再多写一些：至少 {min} 个字。",
        DescriptionTooLong => "请缩短到 {max} 字以内。",
        EmailMissing => "请输入邮箱，以便我们回复您。",
        EmailFormat => "请检查邮箱地址，格式应类似 name@example.com。",
        DeliveredOnMissing => "请输入收到包裹的日期。",
        DeliveredOnFormat => "请按 2026-11-20 这样的格式输入日期。",
        DeliveredOnInFuture => "这个日期还没到，请输入实际收到包裹的日期。",
        ClaimWindowClosed => "已超过政策规定的提交期限。",
        EvidenceTooFew => "请至少添加 {min} 个文件。",
        EvidenceTooFewPhotos => "请至少添加 {photos} 张照片（视频不计入）。",
        EvidenceTooMany => "最多只能提交 {max} 个文件，请移除一个。",
        EvidenceTooLarge => "所有文件合计不能超过 {total}，请移除或替换一个。",
        FileEmpty => "这个文件是空的，请选择其他文件。",
        FileTypeNotAccepted => {
            "无论文件名是什么，这都不是我们能接受的照片或视频。请使用 JPEG、PNG、WebP 或 HEIC 照片，或 MP4、MOV、WebM 视频。"
        }
        FileTooLarge => "这个文件有 {size}，上限为 {max_size}。请发送更小的照片或更短的视频。",
        FileDuplicate => "您已经添加过同一个文件。请移除它或选择其他文件。",
        ImageTooSmall => {
            "这张图片太小（{width}×{height}），看不清细节。请使用至少 {min_width}×{min_height} 像素的图片。"
        }
        ImageUnreadable => "无法打开这张图片，文件可能已损坏。请重新拍摄或选择其他图片。",
        ImageTooManyPixels => "这张图片（{width}×{height}）太大，无法打开。请发送较小的图片。",
        VideoTooLong => {
            "这段视频长 {seconds} 秒，上限为 {max_seconds} 秒。请剪短或发送更短的视频。"
        }
        VideoDurationUnknown => "无法读取这段视频。请换一种格式或重新录制。",
        PhotoTakenBeforeDelivery => {
            "这张照片拍摄于 {taken}，早于包裹签收日 {delivered}。请发送签收后拍摄的照片。"
        }
        FileNotUploaded => "这个文件没有上传完成。请重试或重新添加。",
        FileAlreadyAttached => "这个文件已属于另一个申请。请重新添加。",
        MessageTooLong => "请缩短到 {max_chars} 字以内。",
        ReplyEmpty => "请写下您的回复或添加文件。",
        ItemNotInOrder => "这件商品已不在您的订单中。请重新选择商品。",
        ItemQuantity => "请选择 1 到您订购的数量之间的数量。",
        ItemDuplicate => "这件商品您选择了两次。",
        ItemsTooMany => "请少选几件商品。",
        ItemsWithoutOrder => "我们无法核对您的订单，因此无法选择商品。请在描述中说明。",
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

    #[test]
    fn every_problem_code_has_words_in_both_languages_with_the_same_placeholders() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            names.sort();
            names
        };
        for &code in ProblemCode::ALL {
            let (en, zh) = (Locale::En.problem(code), Locale::ZhCn.problem(code));
            assert!(!en.is_empty() && !zh.is_empty(), "{code}");
            assert_ne!(en, zh, "{code} is not translated");
            assert_eq!(placeholders(en), placeholders(zh), "{code}");
        }
    }

    #[test]
    fn dates_and_sizes_read_naturally() {
        let day = CivilDate::from_ymd(2026, 11, 4).expect("day");
        assert_eq!(Locale::En.date(day), "4 November 2026");
        assert_eq!(Locale::ZhCn.date(day), "2026年11月4日");
        assert_eq!(Locale::En.date_time(day, 9, 5), "4 November 2026, 09:05");
        assert_eq!(Locale::ZhCn.date_time(day, 15, 40), "2026年11月4日 15:40");
        assert_eq!(Locale::En.bytes(20 * 1024 * 1024), "20 MB");
        assert_eq!(Locale::En.bytes(4_404_019), "4.2 MB");
        assert_eq!(Locale::En.bytes(870_000), "850 KB");
        assert_eq!(Locale::En.bytes(1024 * 1024), "1 MB");
        assert_eq!(Locale::En.bytes(15 * 1024 * 1024 + 600_000), "16 MB");
        assert_eq!(Locale::En.bytes(3), "1 KB");
        assert_eq!(
            Locale::En.fill(Text::WindowOpen, &[("days", "3"), ("date", "x")]),
            "You have 3 more days to report it: until x."
        );
    }
}
