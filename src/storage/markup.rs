//! Stored types that a browser would open as a page able to run script (HTML, SVG, XML
//! and their kin), and the check that a file declared as one of them is markup at all:
//! `photo.png` sent as `text/html` is stored as the PNG it is.

/// True for a type a browser renders as a document that can run script.
pub fn is_active(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "text/html" | "application/xhtml+xml" | "text/xml" | "application/xml" | "text/xsl"
    ) || essence.ends_with("+xml")
}

/// How many leading bytes [`checked`] needs to see.
pub const HEAD_BYTES: usize = 512;

/// The type to store for a file declared as `declared`, named `filename`, whose first
/// bytes are `head`: the declared type, unless it is an active one and the bytes are not
/// markup; then the type its name suggests (when that one is not active), or
/// `application/octet-stream`.
pub fn checked(declared: &str, filename: &str, head: &[u8]) -> String {
    if !is_active(declared) || looks_like_markup(head) {
        return declared.to_owned();
    }
    mime_guess::from_path(filename)
        .first_raw()
        .filter(|guess| !is_active(guess))
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// True when the bytes may be markup: empty, UTF-16 (not checked further), or a `<`
/// first after a byte-order mark and white space.
fn looks_like_markup(head: &[u8]) -> bool {
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return true;
    }
    let text = head.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(first) => *first == b'<',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_svg_and_xml_are_active() {
        for t in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/rss+xml",
        ] {
            assert!(is_active(t), "{t}");
        }
        for t in ["image/png", "text/plain", "application/json", "text/css"] {
            assert!(!is_active(t), "{t}");
        }
    }

    #[test]
    fn an_active_type_is_kept_only_for_markup() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(checked("text/html", "photo.png", png), "image/png");
        assert_eq!(
            checked("text/html", "page.html", png),
            "application/octet-stream"
        );
        assert_eq!(
            checked("image/svg+xml", "x.svg", b"\xef\xbb\xbf  <svg/>"),
            "image/svg+xml"
        );
        assert_eq!(
            checked("text/html", "a.html", b"\n<!doctype html>"),
            "text/html"
        );
        assert_eq!(checked("image/png", "a.png", b"<script>"), "image/png");
    }
}
