//! `admin sign-identity`: an identity token for a customer, to try "my requests" without a
//! store.

use std::process::ExitCode;

use super::terminal::fail;
use crate::sites::Site;

#[derive(clap::Args, Debug)]
pub(super) struct SignIdentityArgs {
    /// The customer's id in the store: their tickets are found by it.
    #[arg(long)]
    customer_id: String,
    #[arg(long)]
    email: String,
    /// How long the token is accepted, in hours.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    valid_hours: u32,
}

/// Prints nothing but the token, so a script can take it as it is.
pub(super) fn sign(sites: &[Site], site_key: &str, args: &SignIdentityArgs) -> ExitCode {
    let Some(site) = sites.iter().find(|s| s.key == site_key) else {
        return fail(&format!("there is no site {site_key:?}"));
    };
    let Some(secret) = &site.identity_secret else {
        return fail(&format!(
            "site {site_key:?} signs no identity tokens: name the environment variable holding \
             its secret in its identity_secret_env"
        ));
    };
    // The server refuses a token whose id or email is empty or longer than this.
    let max = helpcenter_core::limits::MAX_IDENTITY_FIELD_BYTES;
    for (option, value) in [
        ("--customer-id", &args.customer_id),
        ("--email", &args.email),
    ] {
        if value.is_empty() || value.len() > max {
            return fail(&format!("{option} must be 1 to {max} bytes long"));
        }
    }
    let customer = crate::auth::Customer {
        id: args.customer_id.clone(),
        email: args.email.clone(),
    };
    let valid_for = i64::from(args.valid_hours) * 3600;
    if valid_for > site.identity_max_lifetime {
        return fail(&format!(
            "--valid-hours {} is longer than site {site_key:?} accepts ({} h: its identity_max_lifetime_hours)",
            args.valid_hours,
            site.identity_max_lifetime / 3600
        ));
    }
    let expires = jiff::Timestamp::now().as_second() + valid_for;
    println!(
        "{}",
        crate::auth::sign_identity(secret, &site.key, &customer, expires)
    );
    ExitCode::SUCCESS
}
