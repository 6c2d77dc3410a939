//! A mail as the shopper (or the store) reads it: plain text and HTML with the same words, in
//! the language the shopper filed in, from the site's sender. Every header is built by
//! lettre's typed builders, which encode what they are given (RFC 2047): a CR or LF in a
//! name, an order number or a message can never start a header of its own.

use helpcenter_api::{MailKind, OutboxMail, TicketEvent};
use helpcenter_core::ResolutionKind;
use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::SiteMail;
use crate::sites::Site;
use crate::store::tickets::TicketRecord;

/// Everything a mail is made of.
pub struct Context<'a> {
    pub site: &'a Site,
    pub mail: &'a SiteMail,
    pub ticket: &'a TicketRecord,
    /// The event the mail tells of (none for a fresh link).
    pub event: Option<&'a TicketEvent>,
    pub outbox: &'a OutboxMail,
    /// The link that opens the ticket (shoppers' mails).
    pub link: Option<String>,
    /// For the site's Return and Exchange Policy when its address is relative.
    pub public_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("{0:?} is not an address mail can be sent to ({1})")]
    Recipient(String, String),
    #[error("the mail cannot be built: {0}")]
    Build(#[from] lettre::error::Error),
}

/// One piece of a mail's body, rendered as text and as HTML alike.
enum Block {
    Para(String),
    /// Someone's own words (the store's question, a message), set apart.
    Quote(String),
    /// A heading line, then its paragraph.
    Titled(String, String),
    Button(String, String),
    Small(String),
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies are not sent back.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

fn chinese(locale: &str) -> bool {
    locale.starts_with("zh")
}

/// `respond_by` as a reader of `locale` writes a moment, in the site's time zone.
pub fn local_time(site: &Site, timestamp: &str, locale: &str) -> String {
    let Ok(at) = timestamp.parse::<jiff::Timestamp>() else {
        return timestamp.to_owned();
    };
    let zoned = at.to_zoned(site.time_zone.clone());
    let zone = site.time_zone.iana_name().unwrap_or("UTC");
    if chinese(locale) {
        format!("{}（{zone} 时间）", zoned.strftime("%Y年%-m月%-d日 %H:%M"))
    } else {
        format!("{} ({zone} time)", zoned.strftime("%A %-d %B %Y, %H:%M"))
    }
}

/// What a decision means for the shopper.
fn meaning(resolution: ResolutionKind, zh: bool) -> &'static str {
    use ResolutionKind::*;
    match (resolution, zh) {
        (Return, false) => {
            "You can return the item and get your money back, as our Return and Exchange Policy describes."
        }
        (Return, true) => "您可以退货退款，具体按照我们的《退换货政策》办理。",
        (Exchange, false) => {
            "We will exchange the item, as our Return and Exchange Policy describes."
        }
        (Exchange, true) => "我们将为您换货，具体按照我们的《退换货政策》办理。",
        (Repair, false) => "We will repair the item, as our Return and Exchange Policy describes.",
        (Repair, true) => "我们将为您维修商品，具体按照我们的《退换货政策》办理。",
        (Replacement, false) => {
            "We will send you a replacement, as our Return and Exchange Policy describes."
        }
        (Replacement, true) => "我们将为您补发商品，具体按照我们的《退换货政策》办理。",
        (Refund, false) => "We will refund you, to the payment method you paid with.",
        (Refund, true) => "我们将把款项原路退回到您的付款账户。",
        (CarrierClaim, false) => {
            "We are claiming the damage from the delivery company for you, and will tell you how it ends."
        }
        (CarrierClaim, true) => "我们正在为您向物流公司索赔，有结果后会告知您。",
        (PaidSupport, false) => {
            "This is not covered by the store's guarantee. We can offer paid technical support or guidance, and will tell you the price before anything is charged."
        }
        (PaidSupport, true) => {
            "此问题不在本店保障范围内。我们可以提供有偿技术支持或指导，收费前会先告知您价格。"
        }
        (Declined, false) => "We cannot accept this claim.",
        (Declined, true) => "很抱歉，我们无法受理此申请。",
    }
}

/// The subject and body of a mail.
fn words(cx: &Context<'_>) -> (String, Vec<Block>) {
    let locale = cx.outbox.locale.as_str();
    let zh = chinese(locale);
    let id = &cx.ticket.id;
    let order = &cx.ticket.order_number;
    // A claim filed without an order (a charge with none, feedback) names none.
    let (of_order, of_order_zh) = if order.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" (order {order})"), format!("（订单 {order}）"))
    };
    let policy = &cx.site.policy;
    let message = cx.event.and_then(|e| e.message.clone());
    let store = cx.site.display_name.clone();
    let days = cx.mail.link_days;
    let respond_by = local_time(cx.site, &cx.ticket.respond_by, locale);
    let outcome = policy
        .outcome(&cx.ticket.outcome)
        .map(|o| policy.outcome_message(locale, o))
        .unwrap_or_default();
    let pick = |en: String, zh_text: String| if zh { zh_text } else { en };
    let mut body = Vec::new();
    let hello = || Block::Para(pick("Hello,".into(), "您好，".into()));
    let subject = match cx.outbox.kind {
        MailKind::Receipt => {
            body.push(hello());
            body.push(Block::Para(pick(
                if order.is_empty() {
                    format!("we have received your request. Its number is {id}.")
                } else {
                    format!(
                        "we have received your request about order {order}. Its number is {id}."
                    )
                },
                if order.is_empty() {
                    format!("我们已收到您的申请，申请编号为 {id}。")
                } else {
                    format!("我们已收到您关于订单 {order} 的申请，申请编号为 {id}。")
                },
            )));
            body.push(Block::Titled(
                pick("What we will do".into(), "我们将如何处理".into()),
                outcome,
            ));
            body.push(Block::Para(pick(
                format!("We will answer you by {respond_by}."),
                format!("我们将在 {respond_by} 前答复您。"),
            )));
            pick(
                format!("We received your request {id}{of_order}"),
                format!("我们已收到您的申请 {id}{of_order_zh}"),
            )
        }
        MailKind::InfoRequest => {
            body.push(hello());
            body.push(Block::Para(pick(
                format!(
                    "to go on with your request {id}{of_order}, we need the following from you:"
                ),
                format!("为继续处理您的申请 {id}{of_order_zh}，我们需要您提供以下信息："),
            )));
            body.extend(message.map(Block::Quote));
            pick(
                format!("We need more information for your request {id}"),
                format!("您的申请 {id} 需要补充信息"),
            )
        }
        MailKind::Message => {
            body.push(hello());
            body.push(Block::Para(pick(
                format!("we wrote to you about your request {id}{of_order}:"),
                format!("关于您的申请 {id}{of_order_zh}，我们给您留言："),
            )));
            body.extend(message.map(Block::Quote));
            pick(
                format!("A message about your request {id}"),
                format!("关于您的申请 {id} 的新消息"),
            )
        }
        MailKind::Decision => {
            body.push(hello());
            body.push(Block::Para(pick(
                format!("we have decided on your request {id}{of_order}."),
                format!("您的申请 {id}{of_order_zh}已有处理结果。"),
            )));
            let resolution = cx
                .event
                .and_then(|e| e.resolution)
                .or_else(|| cx.ticket.resolution().ok().flatten());
            if let Some(resolution) = resolution {
                body.push(Block::Para(meaning(resolution, zh).to_owned()));
                if resolution.follows_return_policy()
                    && let Some(url) = &cx.site.return_policy_url
                {
                    let url = absolute(cx.public_url, url);
                    body.push(Block::Button(
                        pick(
                            "Read our Return and Exchange Policy".into(),
                            "查看《退换货政策》".into(),
                        ),
                        url,
                    ));
                }
            }
            body.extend(message.map(Block::Quote));
            body.push(Block::Small(
                policy.text(locale, &policy.dispute.negotiation).to_owned(),
            ));
            pick(
                format!("Our decision on your request {id}"),
                format!("您的申请 {id} 处理结果"),
            )
        }
        MailKind::Closed => {
            body.push(hello());
            body.push(Block::Para(pick(
                format!("your request {id}{of_order} is now closed. Thank you for your patience."),
                format!("您的申请 {id}{of_order_zh}已关闭。感谢您的耐心。"),
            )));
            body.extend(message.map(Block::Quote));
            pick(
                format!("Your request {id} is closed"),
                format!("您的申请 {id} 已关闭"),
            )
        }
        MailKind::Link => {
            body.push(hello());
            body.push(Block::Para(pick(
                format!("here is a new link to your request {id}{of_order}, as asked for on our Help Center. If it was not you, you can ignore this mail."),
                format!("这是您在帮助中心请求的申请 {id}{of_order_zh}的新链接。如果不是您本人操作，请忽略此邮件。"),
            )));
            pick(
                format!("Your link to request {id}"),
                format!("您的申请 {id} 的链接"),
            )
        }
        MailKind::NewClaimAlert => {
            body.push(Block::Para(pick(
                format!(
                    "A new claim was filed: {id}{of_order}, from {}.",
                    cx.ticket.email
                ),
                format!("收到新申请：{id}{of_order_zh}，来自 {}。", cx.ticket.email),
            )));
            body.push(Block::Titled(
                pick("What the shopper was told".into(), "已告知顾客".into()),
                outcome,
            ));
            if !cx.ticket.description.is_empty() {
                body.push(Block::Quote(cx.ticket.description.clone()));
            }
            body.push(Block::Para(pick(
                format!("Answer by {respond_by}."),
                format!("请在 {respond_by} 前答复。"),
            )));
            pick(
                format!("New claim {id}{of_order}"),
                format!("新申请 {id}{of_order_zh}"),
            )
        }
        MailKind::ShopperReplyAlert => {
            let files = cx.event.map_or(0, |e| e.evidence.len());
            body.push(Block::Para(pick(
                format!("The shopper answered on {id}{of_order}, with {files} new file(s)."),
                format!("顾客已回复 {id}{of_order_zh}，附有 {files} 个新文件。"),
            )));
            body.extend(message.map(Block::Quote));
            pick(
                format!("The shopper answered on {id}"),
                format!("顾客已回复 {id}"),
            )
        }
        MailKind::DisputeAlert => {
            body.push(Block::Para(pick(
                format!("The shopper disputes how {id}{of_order} was handled. Negotiation comes first (§IV)."),
                format!("顾客对 {id}{of_order_zh}的处理结果提出异议。应首先友好协商（第四条）。"),
            )));
            body.extend(message.map(Block::Quote));
            pick(
                format!("Dispute on {id}{of_order}"),
                format!("顾客对 {id}{of_order_zh}提出异议"),
            )
        }
    };
    if let Some(link) = &cx.link {
        body.push(Block::Button(
            match cx.outbox.kind {
                MailKind::InfoRequest => {
                    pick("Answer and add photos".into(), "回复并添加照片".into())
                }
                _ => pick("Open your request".into(), "查看您的申请".into()),
            },
            link.clone(),
        ));
        body.push(Block::Small(pick(
            format!("This link opens your request on any device, once, within {days} days. Later, or on another device, \"Find a request\" on our Help Center opens it with its number {id}, your order number and this address; with the number and this address alone, it e-mails you a new link."),
            format!("此链接可在任何设备上打开您的申请，{days} 天内有效，仅可使用一次。之后或在其他设备上，可在帮助中心的“查找申请”中输入申请编号 {id}、订单号和此邮箱地址打开，或仅凭申请编号和此邮箱地址让我们发送新链接到这里。"),
        )));
    }
    if !cx.outbox.kind.is_alert() {
        body.push(Block::Para(store));
    }
    (subject, body)
}

/// The site's Return and Exchange Policy may be given relative to this server.
fn absolute(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{}{url}", public_url.trim_end_matches('/'))
    } else {
        url.to_owned()
    }
}

fn text(body: &[Block]) -> String {
    let mut out = String::new();
    for block in body {
        match block {
            Block::Para(p) | Block::Small(p) => out.push_str(p),
            Block::Titled(title, p) => {
                out.push_str(title);
                out.push_str(":\n");
                out.push_str(p);
            }
            Block::Quote(q) => {
                let quoted: Vec<String> = q.lines().map(|l| format!("    {l}")).collect();
                out.push_str(&quoted.join("\n"));
            }
            Block::Button(label, url) => {
                out.push_str(label);
                out.push_str(":\n");
                out.push_str(url);
            }
        }
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inline styles only: mail clients drop `<style>` and external sheets.
fn html(body: &[Block], locale: &str, subject: &str, color: &str) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{}</title></head><body style=\"margin:0;padding:24px;\
         background:#f5f5f5;font-family:-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',\
         sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a\"><div style=\"max-width:560px;\
         margin:0 auto;background:#ffffff;border-radius:8px;padding:24px\">",
        escape(locale),
        escape(subject)
    );
    let lines = |t: &str| escape(t).replace('\n', "<br>");
    for block in body {
        match block {
            Block::Para(p) => out.push_str(&format!("<p style=\"margin:0 0 16px\">{}</p>", lines(p))),
            Block::Titled(title, p) => out.push_str(&format!(
                "<p style=\"margin:0 0 4px;font-weight:600\">{}</p><p style=\"margin:0 0 16px\">{}</p>",
                escape(title),
                lines(p)
            )),
            Block::Quote(q) => out.push_str(&format!(
                "<blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:4px solid {color};\
                 background:#f0f4fa\">{}</blockquote>",
                lines(q)
            )),
            Block::Button(label, url) => out.push_str(&format!(
                "<p style=\"margin:0 0 16px\"><a href=\"{}\" style=\"display:inline-block;padding:10px 18px;\
                 background:{color};color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600\">{}</a></p>",
                escape(url),
                escape(label)
            )),
            Block::Small(p) => out.push_str(&format!(
                "<p style=\"margin:0 0 16px;font-size:13px;color:#555555\">{}</p>",
                lines(p)
            )),
        }
    }
    out.push_str("</div></body></html>\n");
    out
}

/// Text for a header: every control character (CR and LF above all) becomes a space.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The mail, ready for SMTP.
pub fn compose(cx: &Context<'_>) -> Result<Message, ComposeError> {
    let to: lettre::Address =
        cx.outbox
            .recipient
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                ComposeError::Recipient(cx.outbox.recipient.clone(), e.to_string())
            })?;
    let (subject, body) = words(cx);
    // Only a #rrggbb colour goes into the HTML's styles; anything else, the default.
    let color = Some(cx.site.brand.primary_color.as_str())
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit())
        })
        .unwrap_or("#1f5fbf");
    let plain = text(&body);
    let rich = html(&body, &cx.outbox.locale, &subject, color);
    // Line breaks and other controls never reach a header, whatever lettre does with them
    // (a line break in a sender's name makes it panic rather than encode).
    let from = Mailbox::new(
        cx.mail.from.name.as_deref().map(one_line),
        cx.mail.from.email.clone(),
    );
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(one_line(&subject))
        .message_id(Some(cx.outbox.message_id.clone()))
        .date_now()
        .header(AutoSubmitted);
    if let Some(reply_to) = &cx.mail.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    // Later mails of a ticket thread under its receipt in the shopper's mail client.
    if !matches!(cx.outbox.kind, MailKind::Receipt) && !cx.outbox.kind.is_alert() {
        let receipt = format!(
            "<{}.1.receipt@{}>",
            cx.ticket.id,
            cx.mail.from.email.domain()
        );
        builder = builder.in_reply_to(receipt.clone()).references(receipt);
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(plain, rich))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_get_one_line() {
        assert_eq!(
            one_line("Shop\r\nBcc: x@evil.example\t!"),
            "Shop  Bcc: x@evil.example !"
        );
    }

    #[test]
    fn html_escapes_what_it_is_given() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn respond_by_reads_in_the_sites_zone_and_the_shoppers_words() {
        let (site, _) = {
            let dir = std::env::temp_dir().join(format!("hc-compose-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let site = Site::demo(&dir, 8080).expect("demo site");
            // The demo's secrets are read into the site: nothing is left in the temp dir.
            let _ = std::fs::remove_dir_all(&dir);
            site
        };
        // 10:00 UTC is 18:00 in Shanghai, the demo site's zone.
        let at = "2026-12-04T10:00:00Z";
        assert_eq!(
            local_time(&site, at, "en"),
            "Friday 4 December 2026, 18:00 (Asia/Shanghai time)"
        );
        assert_eq!(
            local_time(&site, at, "zh-CN"),
            "2026年12月4日 18:00（Asia/Shanghai 时间）"
        );
    }
}
