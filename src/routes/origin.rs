//! The base of the URLs an answer hands out (asset `url`s, sync items): `--public-url`
//! when it is set, otherwise the address the client used to reach the mock, so that a
//! mapped container port, a compose service name or a proxy in front all get URLs that
//! work from where the request came from.

use std::net::SocketAddr;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::routes::host::valid_host;
use crate::state::AppState;

/// What kind of listener took a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn parse(text: &str) -> Option<Scheme> {
        if text.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if text.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }
}

/// Set on every request by the server: the listener's scheme and the local address the
/// connection arrived on (the fallback host when the request names none that is usable).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    pub scheme: Scheme,
    pub local_addr: SocketAddr,
}

/// The base URL of an answer's links, without a trailing slash
/// (e.g. `http://localhost:18484`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(pub String);

impl FromRequestParts<AppState> for PublicBase {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(url) = &state.settings.public_url {
            return Ok(PublicBase(url.clone()));
        }
        let connection = parts.extensions.get::<ConnectionInfo>().copied();
        Ok(PublicBase(from_request(&parts.headers, connection)))
    }
}

/// The base URL the client reached: `Forwarded` (`proto=`, `host=`), else
/// `X-Forwarded-Proto` and `X-Forwarded-Host`, else `Host`, each host checked with
/// [`valid_host`]; the listener's scheme when no proxy names one; the connection's local
/// address when no usable host is given.
pub fn from_request(headers: &HeaderMap, connection: Option<ConnectionInfo>) -> String {
    let forwarded = forwarded_element(headers);
    let (proxy_proto, proxy_host) = match &forwarded {
        Some(element) => (element.proto.clone(), element.host.clone()),
        None => (
            first_of_list(headers, "x-forwarded-proto"),
            first_of_list(headers, "x-forwarded-host"),
        ),
    };
    let scheme = proxy_proto
        .as_deref()
        .and_then(Scheme::parse)
        .or(connection.map(|c| c.scheme))
        .unwrap_or(Scheme::Http);
    let host = proxy_host
        .filter(|host| valid_host(host))
        .or_else(|| header_text(headers, "host").filter(|host| valid_host(host)))
        .or_else(|| connection.map(|c| c.local_addr.to_string()))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{}://{host}", scheme.as_str())
}

/// The `proto` and `host` of the first element of the first `Forwarded` header (the one
/// the proxy nearest the client added), when it has either.
struct ForwardedElement {
    proto: Option<String>,
    host: Option<String>,
}

fn forwarded_element(headers: &HeaderMap) -> Option<ForwardedElement> {
    let value = header_text(headers, "forwarded")?;
    let first = value.split(',').next()?;
    let mut element = ForwardedElement {
        proto: None,
        host: None,
    };
    for pair in first.split(';') {
        let Some((key, raw)) = pair.split_once('=') else {
            continue;
        };
        let text = raw.trim();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text)
            .to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "proto" => element.proto = Some(text),
            "host" => element.host = Some(text),
            _ => {}
        }
    }
    (element.proto.is_some() || element.host.is_some()).then_some(element)
}

/// The first entry of a comma-separated header (proxies append theirs after the client's).
fn first_of_list(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = header_text(headers, name)?;
    let first = value.split(',').next()?.trim();
    (!first.is_empty()).then(|| first.to_owned())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn https_on(addr: &str) -> Option<ConnectionInfo> {
        Some(ConnectionInfo {
            scheme: Scheme::Https,
            local_addr: addr.parse().unwrap(),
        })
    }

    #[test]
    fn forwarded_wins_then_x_forwarded_then_host() {
        let connection = https_on("10.0.0.5:8443");
        assert_eq!(
            from_request(
                &headers(&[
                    (
                        "forwarded",
                        "for=1.2.3.4;proto=http;host=\"a.example:81\", host=b"
                    ),
                    ("x-forwarded-host", "c.example"),
                    ("host", "d.example"),
                ]),
                connection
            ),
            "http://a.example:81"
        );
        assert_eq!(
            from_request(
                &headers(&[
                    ("x-forwarded-proto", "https, http"),
                    ("x-forwarded-host", "c.example:9000, inner"),
                    ("host", "d.example"),
                ]),
                None
            ),
            "https://c.example:9000"
        );
        assert_eq!(
            from_request(&headers(&[("host", "localhost:18484")]), connection),
            "https://localhost:18484"
        );
    }

    #[test]
    fn unusable_hosts_fall_back_to_the_local_address() {
        let connection = https_on("127.0.0.1:8443");
        assert_eq!(
            from_request(&headers(&[("host", "evil.com/x")]), connection),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            from_request(
                &headers(&[("x-forwarded-host", "a b"), ("host", "ok:1")]),
                connection
            ),
            "https://ok:1"
        );
        assert_eq!(
            from_request(&headers(&[("x-forwarded-proto", "gopher")]), connection),
            "https://127.0.0.1:8443"
        );
    }
}
