//! What keeps other web sites out of `/_mock` and the web UI: a `Host` check (so that a
//! DNS-rebinding page, whose requests carry its own name, is refused), an `Origin` check
//! on `/_mock` (so that a page elsewhere cannot post to it), and no CORS answers there.
//! The `/v3` API keeps its `access-control-allow-origin: *`: browser apps read it.
//!
//! A host is accepted when no web site on the internet can have its name: an IP
//! address, a name of one label (`localhost`, a compose service), or one under a
//! special-use domain (`.localhost`, `.local`, `.internal`, ...). Any other name must be
//! `--public-url`'s host, a `--tls-san` name or in `--allowed-hosts`. So containers,
//! compose services and Testcontainers work with no flag, and a rebinding page (whose
//! name is a public DNS name its author controls) never gets an answer.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::routes::host::{split_host, split_url};

/// Domains that no web site on the internet can have names under (RFC 6761, RFC 6762,
/// RFC 8375, and ICANN's `.internal`).
const PRIVATE_SUFFIXES: &[&str] = &[
    ".localhost",
    ".local",
    ".internal",
    ".test",
    ".example",
    ".invalid",
    ".home.arpa",
];

/// The names `/_mock` and `/ui` answer to besides the private ones.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// `--allowed-hosts '*'`: every name.
    any: bool,
    /// Exact names, lower case, without a trailing dot.
    names: Vec<String>,
    /// `.example.com` entries: the name and every name under it.
    suffixes: Vec<String>,
}

impl HostPolicy {
    /// A policy accepting `names` (exact names, `.domain` for a domain and every name
    /// under it, `*` for any) besides the private ones.
    pub fn new(names: &[String]) -> HostPolicy {
        let mut policy = HostPolicy::default();
        for entry in names {
            let entry = entry.trim();
            if entry == "*" {
                policy.any = true;
                continue;
            }
            let (domain, name) = match entry.strip_prefix('.') {
                Some(domain) => (true, domain),
                None => (false, entry),
            };
            // A port given with the name changes nothing: any port of the name is fine.
            let Some((name, _)) = split_host(name) else {
                continue;
            };
            let name = normalise(name);
            if domain {
                policy.suffixes.push(format!(".{name}"));
            }
            policy.names.push(name);
        }
        policy
    }

    /// True when a `Host` header's value names this server.
    pub fn allows(&self, host: &str) -> bool {
        let Some((name, _)) = split_host(host) else {
            return false;
        };
        let name = normalise(name);
        self.any || private_name(&name) || self.is_named(&name)
    }

    /// True for a name a flag gave (`--allowed-hosts`, `--public-url`, `--tls-san`).
    fn is_named(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
            || self.suffixes.iter().any(|suffix| name.ends_with(suffix))
    }

    /// Checks a request to `/_mock` (`control` true) or to the UI.
    fn check(&self, headers: &HeaderMap, method: &Method, control: bool) -> Result<(), ApiError> {
        let host = headers.get(header::HOST).map(|v| v.to_str().unwrap_or(""));
        if let Some(host) = host
            && !self.allows(host)
        {
            return Err(ApiError::ForeignRequest {
                message: format!(
                    "This server does not answer to the host '{}' here; add it to --allowed-hosts.",
                    host.escape_debug()
                ),
                field: "host",
            });
        }
        if !control {
            return Ok(());
        }
        if method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return Err(cross_origin());
        }
        match headers.get(header::ORIGIN) {
            None => Ok(()),
            Some(origin) => {
                let origin = origin.to_str().ok().and_then(Origin::parse);
                // The page's own origin; or, behind a proxy that rewrites `Host`, a name
                // a flag gave (`*` aside: any host is not any origin).
                let own = origin.as_ref().is_some_and(|origin| {
                    host.is_some_and(|host| origin.is_host(host)) || self.is_named(&origin.host)
                });
                if own { Ok(()) } else { Err(cross_origin()) }
            }
        }
    }
}

fn cross_origin() -> ApiError {
    ApiError::ForeignRequest {
        message: "The mock-only API does not answer requests from other origins.".to_owned(),
        field: "origin",
    }
}

/// Lower case, without the trailing dot of a fully qualified name.
fn normalise(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// True for names no web site on the internet can have.
fn private_name(name: &str) -> bool {
    name.parse::<IpAddr>().is_ok()
        || !name.contains('.')
        || PRIVATE_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// A web origin: scheme, host (lower case, without brackets) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Reads `scheme://host[:port]` (a trailing path is ignored); `null` and anything
    /// else is `None`.
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, authority) = split_url(text)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let (host, port) = split_host(authority)?;
        Some(Origin {
            scheme,
            host: normalise(host),
            port: port.unwrap_or(default_port),
        })
    }

    /// True when this origin is the one a page loaded from `host` (a `Host` value) has.
    fn is_host(&self, host: &str) -> bool {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        split_host(host).is_some_and(|(name, port)| {
            normalise(name) == self.host && port.unwrap_or(default_port) == self.port
        })
    }
}

/// True for the paths of the web UI.
fn is_ui(path: &str) -> bool {
    path == "/" || path == "/ui" || path.starts_with("/ui/")
}

/// True for the mock-only API, health aside (probes may use any name).
fn is_control(path: &str) -> bool {
    (path == "/_mock" || path.starts_with("/_mock/")) && path != "/_mock/health"
}

/// The middleware: refuses foreign hosts on `/_mock` and the UI, other origins on
/// `/_mock`, and takes the CORS headers off their answers.
pub async fn guard(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let control = is_control(path);
    if !control && !is_ui(path) {
        return next.run(request).await;
    }
    if let Err(refused) = policy.check(request.headers(), request.method(), control) {
        return refused.into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for name in [
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::ACCESS_CONTROL_MAX_AGE,
    ] {
        headers.remove(name);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(names: &[&str]) -> HostPolicy {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        HostPolicy::new(&names)
    }

    #[test]
    fn names_no_web_site_can_have_are_accepted_with_no_flag() {
        let policy = policy(&[]);
        for host in [
            "localhost:8484",
            "LOCALHOST",
            "127.0.0.1:8484",
            "[::1]:8484",
            "10.0.0.7",
            "contentstack-mock:8484",
            "app.localhost",
            "host.docker.internal:32768",
            "mock.ns.svc.cluster.local",
            "cma.test",
        ] {
            assert!(policy.allows(host), "{host}");
        }
    }

    #[test]
    fn public_names_need_a_flag() {
        for host in [
            "rebind.attacker.example.com:8484",
            "127.0.0.1.nip.io",
            "mock.mycompany.com",
            "bad host",
        ] {
            assert!(!policy(&[]).allows(host), "{host}");
        }
        let flagged = policy(&["mock.mycompany.com", ".corp.example.com"]);
        assert!(flagged.allows("MOCK.mycompany.com.:443"));
        assert!(flagged.allows("corp.example.com"));
        assert!(flagged.allows("a.b.corp.example.com"));
        assert!(!flagged.allows("evilcorp.example.com"));
        assert!(policy(&["*"]).allows("anything.example.org"));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let origin = Origin::parse("http://127.0.0.1:8484").unwrap();
        assert!(origin.is_host("127.0.0.1:8484"));
        assert!(!origin.is_host("127.0.0.1:8485"));
        assert!(
            Origin::parse("http://localhost")
                .unwrap()
                .is_host("LOCALHOST:80")
        );
        assert!(
            Origin::parse("https://cma.mock")
                .unwrap()
                .is_host("cma.mock:443")
        );
        assert!(Origin::parse("null").is_none());
        assert!(Origin::parse("file://").is_none());
    }
}
