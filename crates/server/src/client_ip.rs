//! Who the client is, behind the merchant's reverse proxies: rate limits (and anything else
//! that counts per client) key on [`ClientIp`], never on the TCP peer alone, or every shopper
//! behind a proxy would share one bucket.
//!
//! `X-Forwarded-For` is read only when the peer is a trusted proxy, and from the right: each
//! proxy appends the address it got the request from, so the rightmost hop that is not a
//! trusted proxy is the client. Hops to its left were written by the client itself and may
//! be anything.

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use serde::Deserialize;

/// The proxies in front of this server (`[server] trusted_proxies`): addresses or networks,
/// e.g. `["127.0.0.1", "10.0.0.0/8", "fd00::/8"]`. Empty by default: the peer is the client.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct TrustedProxies(Vec<ProxyNet>);

/// One entry of [`TrustedProxies`]: a network, or one address written without a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyNet(IpNet);

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map(ProxyNet)
            .map_err(|_| {
                format!("{text:?} is not an IP address or network (e.g. 10.0.0.1 or 10.0.0.0/8)")
            })
    }
}

impl<'de> Deserialize<'de> for ProxyNet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl TrustedProxies {
    pub fn new(nets: Vec<ProxyNet>) -> Self {
        Self(nets)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.0.contains(&ip))
    }

    /// The client of a request that came from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Every X-Forwarded-For header, in order, as one list of hops (left: farthest).
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop that is not an address was not written by a proxy of ours: the chain of
            // trust ends at the last address we could read.
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// IPv4 clients reached over an IPv6 socket count as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The bucket a client counts in: its IPv4 address, or its IPv6 /64 (one subscriber's
/// network: a phone or a home router gets a whole /64 and may use any address in it).
pub fn bucket(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// The client's address, as [`TrustedProxies::client`] found it: in every request's
/// extensions, put there by [`layer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware that finds each request's [`ClientIp`] once, for everything after it.
pub async fn find_client(
    axum::extract::State(trusted): axum::extract::State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = trusted.client(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().expect("net")).collect())
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("value"),
            );
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let client = TrustedProxies::default().client(ip("203.0.113.9"), &forwarded(&["1.2.3.4"]));
        assert_eq!(client, ip("203.0.113.9"));
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client(ip("198.51.100.7"), &forwarded(&["10.0.0.1"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client wrote "6.6.6.6" itself; our two proxies appended the rest.
        let headers = forwarded(&["6.6.6.6, 203.0.113.9, 10.1.2.3"]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &headers), ip("203.0.113.9"));
    }

    #[test]
    fn hops_split_across_several_headers_read_as_one_list() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["6.6.6.6", "203.0.113.9", "10.1.2.3"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &headers), ip("203.0.113.9"));
    }

    #[test]
    fn a_chain_of_trusted_hops_only_ends_at_the_farthest_one() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["10.9.9.9, 10.1.2.3"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &headers), ip("10.9.9.9"));
    }

    #[test]
    fn a_garbled_hop_ends_the_chain_at_the_last_address_read() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.9, not-an-address, 10.1.2.3"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &headers), ip("10.1.2.3"));
        // No header at all: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_are_matched_as_ipv4() {
        let trusted = proxies(&["127.0.0.1"]);
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            bucket(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            bucket(ip("2001:db8:1:2::1")),
            bucket(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(bucket(ip("2001:db8:1:2::1")), bucket(ip("2001:db8:1:3::1")));
        assert_eq!(bucket(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(bucket(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }

    #[test]
    fn entries_are_addresses_or_networks_and_nothing_else() {
        assert!("10.0.0.1".parse::<ProxyNet>().is_ok());
        assert!("fd00::/8".parse::<ProxyNet>().is_ok());
        let error = "10.0.0.0/33"
            .parse::<ProxyNet>()
            .expect_err("prefix too long");
        assert!(
            error.contains("\"10.0.0.0/33\" is not an IP address or network"),
            "{error}"
        );
        assert!("proxy.example.com".parse::<ProxyNet>().is_err());
    }
}
