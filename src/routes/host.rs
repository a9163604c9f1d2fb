//! Host values from request headers (`Host`, `X-Forwarded-Host`, `Forwarded: host=`):
//! whether one is a valid `host[:port]`, and its parts. A value that is not valid is
//! never used, neither to build a URL nor to decide what a request may reach.

/// Longest host value taken from a header.
pub const MAX_HOST_BYTES: usize = 255;

/// True when `value` is a valid `host[:port]`: a DNS name (letters, digits, `-`, `_`,
/// `.`), an IPv4 address or a bracketed IPv6 address, with an optional port, at most
/// 255 bytes in all. Spaces, CR/LF, `/`, `@` and anything else make it invalid.
pub fn valid_host(value: &str) -> bool {
    split_host(value).is_some()
}

/// The name (without the brackets of an IPv6 address) and the port of a valid
/// `host[:port]`, or `None` when it is not valid (see [`valid_host`]).
pub fn split_host(value: &str) -> Option<(&str, Option<u16>)> {
    if value.is_empty() || value.len() > MAX_HOST_BYTES {
        return None;
    }
    let (name, port) = if let Some(rest) = value.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return None;
        }
        match after {
            "" => (address, None),
            _ => (address, Some(after.strip_prefix(':')?)),
        }
    } else {
        let (name, port) = match value.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (value, None),
        };
        let name_ok = !name.is_empty()
            && !name.starts_with(['.', '-'])
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return None;
        }
        (name, port)
    };
    let port = match port {
        None => None,
        Some(digits) => {
            let valid =
                (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
            Some(digits.parse::<u16>().ok().filter(|_| valid)?)
        }
    };
    Some((name, port))
}

/// The scheme and the `host[:port]` of an absolute URL (`scheme://host[:port][/...]`),
/// or `None` when it has none or carries credentials (`user@host`).
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if scheme.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_ports_are_valid() {
        for value in [
            "localhost",
            "localhost:8484",
            "contentstack-mock:8484",
            "my_service.internal",
            "127.0.0.1:0",
            "[::1]",
            "[::1]:8443",
            "[::ffff:127.0.0.1]:80",
            "example.com.",
        ] {
            assert!(valid_host(value), "{value}");
        }
        assert_eq!(split_host("[::1]:8443"), Some(("::1", Some(8443))));
        assert_eq!(split_host("Mock.Local"), Some(("Mock.Local", None)));
        assert_eq!(
            split_url("https://cma.mock:8443/v3"),
            Some(("https", "cma.mock:8443"))
        );
        assert_eq!(split_url("http://user@evil.com/"), None);
        assert_eq!(split_url("null"), None);
    }

    #[test]
    fn anything_else_is_not() {
        let long = "a".repeat(256);
        for value in [
            "",
            " localhost",
            "local host",
            "localhost\r\nx-injected: 1",
            "evil.com/path",
            "user@evil.com",
            "localhost:",
            "localhost:65536",
            "localhost:80:80",
            "localhost:+80",
            "[::1",
            "[::1]x",
            "[evil.com]",
            "[nothost]:80",
            ".leading",
            "-leading",
            "host\u{e9}.com",
            long.as_str(),
        ] {
            assert!(!valid_host(value), "{value:?}");
        }
    }
}
