//! Outbound HTTP to an address a site's configuration names (a webhook endpoint, the store's
//! order endpoint): only public addresses are connected to, so a configured URL cannot probe
//! the server's own network (cloud metadata, the database, an admin port), unless the
//! configuration allows private targets for development. Names are checked on the addresses
//! they resolve to, the ones then connected to, so a name cannot change its answer between the
//! check and the connection; address literals are checked before anything is sent.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Who reaches out, and the switch that lets it reach private addresses: said in every refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// "webhooks", "order lookups".
    pub who: &'static str,
    /// "[server.webhooks] allow_private_targets".
    pub switch: &'static str,
}

/// Why a target was not connected to: every address it stands for is one `caller` may not
/// reach.
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} is {addresses}: a loopback, private, link-local or otherwise non-public address, which {} do not reach (set {} = true for development)",
    caller.who,
    caller.switch
)]
pub struct RefusedTarget {
    pub host: String,
    pub addresses: String,
    pub caller: Caller,
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique
/// local), link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified,
/// multicast, broadcast, documentation or reserved, nor an IPv6 form of one of these.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let embedded =
                Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            let compatible = s[..6].iter().all(|&x| x == 0);
            let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
            if (compatible && !v6.is_loopback() && !v6.is_unspecified()) || nat64 {
                return is_public_v4(embedded);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || compatible)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

/// The refusal of `url` when its host is an address literal outside the public internet (a
/// name is checked when it resolves: [`GuardedResolver`]).
pub fn refused_literal(url: &reqwest::Url, caller: Caller) -> Option<RefusedTarget> {
    let host = url.host_str()?;
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()?;
    (!is_public(ip)).then(|| RefusedTarget {
        host: host.to_owned(),
        addresses: ip.to_string(),
        caller,
    })
}

/// Resolves names as the system does, then keeps only the addresses `caller` may reach
/// (every address when `allow_private`).
pub struct GuardedResolver {
    pub allow_private: bool,
    pub caller: Caller,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(resolve_guarded(
            name.as_str().to_owned(),
            self.allow_private,
            self.caller,
        ))
    }
}

async fn resolve_guarded(
    host: String,
    allow_private: bool,
    caller: Caller,
) -> Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
    let allowed: Vec<SocketAddr> = found
        .iter()
        .copied()
        .filter(|a| allow_private || is_public(a.ip()))
        .collect();
    if allowed.is_empty() && !found.is_empty() {
        let unique: std::collections::BTreeSet<IpAddr> = found.iter().map(|a| a.ip()).collect();
        let addresses = unique
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Box::new(RefusedTarget {
            host,
            addresses,
            caller,
        }));
    }
    Ok(Box::new(allowed.into_iter()))
}

/// An error of type `T` anywhere in `e`'s chain of causes.
pub fn find<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(e);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_reached() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = private.parse().expect("an address");
            assert!(!is_public(ip), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().expect("an address");
            assert!(is_public(ip), "{public}");
        }
    }
}
