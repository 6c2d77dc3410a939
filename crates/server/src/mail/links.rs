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
/// send to a server (nor put in a Referer).
pub fn url(public_url: &str, ticket_url: Option<&str>, ticket_id: &str, secret: &str) -> String {
    match ticket_url {
        Some(template) => template
            .replace("{ticket}", ticket_id)
            .replace("{secret}", secret),
        None => format!(
            "{}/t/{ticket_id}#k={secret}",
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
            url("https://help.example/", None, "HC-7F3K9Q", "s3cr3t"),
            "https://help.example/t/HC-7F3K9Q#k=s3cr3t"
        );
        assert_eq!(
            url(
                "https://help.example",
                Some("https://shop.example/help?ticket={ticket}#k={secret}"),
                "HC-7F3K9Q",
                "s3cr3t"
            ),
            "https://shop.example/help?ticket=HC-7F3K9Q#k=s3cr3t"
        );
    }
}
