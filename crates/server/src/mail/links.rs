//! The link in each shopper's mail: it opens that one ticket on whatever device the mail is
//! read on, once, until it expires. Its secret is derived from the server's secret and the
//! mail's id, so the outbox keeps only its hash and the worker can still write it into the
//! mail however late it goes out.

use crate::auth::ServerSecret;

/// The secret of the link in mail `mail_id`.
pub fn secret(server: &ServerSecret, mail_id: &str) -> String {
    server.derive(&format!("mail-link\n{mail_id}"))
}

/// Where the link points: the site's own page when it has a `ticket_url` template, else the
/// standalone ticket page of this server. The secret is in the fragment, which browsers never
/// send to a server (nor put in a Referer); beside it the language the shopper filed in
/// (`lang`), so the page speaks it whatever the browser's language, even to say that the link
/// no longer works. A template may place it with `{locale}`.
pub fn url(
    public_url: &str,
    ticket_url: Option<&str>,
    ticket_id: &str,
    secret: &str,
    locale: &str,
) -> String {
    // Locales are tags the server accepted at filing; anything else is left out, not encoded.
    let locale = if !locale.is_empty()
        && locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        locale
    } else {
        ""
    };
    match ticket_url {
        Some(template) => template
            .replace("{ticket}", ticket_id)
            .replace("{secret}", secret)
            .replace("{locale}", locale),
        None if locale.is_empty() => format!(
            "{}/t/{ticket_id}#k={secret}",
            public_url.trim_end_matches('/')
        ),
        None => format!(
            "{}/t/{ticket_id}#k={secret}&lang={locale}",
            public_url.trim_end_matches('/')
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_the_sites_page_or_the_standalone_one() {
        assert_eq!(
            url(
                "https://help.example/",
                None,
                "HC-7F3K9Q",
                "s3cr3t",
                "zh-CN"
            ),
            "https://help.example/t/HC-7F3K9Q#k=s3cr3t&lang=zh-CN"
        );
        assert_eq!(
            url(
                "https://help.example",
                Some("https://shop.example/help?ticket={ticket}#k={secret}"),
                "HC-7F3K9Q",
                "s3cr3t",
                "en"
            ),
            "https://shop.example/help?ticket=HC-7F3K9Q#k=s3cr3t"
        );
        assert_eq!(
            url(
                "https://help.example",
                Some("https://shop.example/{locale}/help?ticket={ticket}#k={secret}"),
                "HC-7F3K9Q",
                "s3cr3t",
                "zh-CN"
            ),
            "https://shop.example/zh-CN/help?ticket=HC-7F3K9Q#k=s3cr3t"
        );
        // Nothing but a tag reaches the address.
        assert_eq!(
            url(
                "https://help.example",
                None,
                "HC-7F3K9Q",
                "s3cr3t",
                "en&k=x"
            ),
            "https://help.example/t/HC-7F3K9Q#k=s3cr3t"
        );
    }
}
