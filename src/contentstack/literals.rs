//! The pieces of text that every match of a `$regex` contains, so that a trigram index
//! can narrow the rows the pattern is tested on. Only ever a necessary condition: the
//! pattern itself still decides, so a piece missed costs speed, never a wrong answer.

use regex_syntax::hir::{Hir, HirKind};

/// Shortest piece a trigram index can look up.
const SHORTEST: usize = 3;

/// Pieces of text every match of `pattern` contains, each at least three characters,
/// for an index that compares without regard to case. Empty when none is certain.
pub fn required(pattern: &str) -> Vec<String> {
    // `$options: "i"` arrives as a `(?i)` prefix; the pieces are found in the pattern
    // without it (with it, letters become classes), then kept only where the index's
    // case folding is known to cover the pattern's.
    let (body, insensitive) = match pattern.strip_prefix("(?i)") {
        Some(body) => (body, true),
        None => (pattern, false),
    };
    let Ok(hir) = regex_syntax::parse(body) else {
        return Vec::new();
    };
    let mut pieces = Vec::new();
    collect(&hir, &mut pieces);
    pieces.retain(|piece| {
        piece.chars().count() >= SHORTEST && (!insensitive || folds_like_the_index(piece))
    });
    pieces
}

/// The pieces every match of `hir` contains.
fn collect(hir: &Hir, pieces: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Literal(literal) => push_text(&literal.0, pieces),
        HirKind::Capture(capture) => collect(&capture.sub, pieces),
        HirKind::Repetition(repetition) if repetition.min >= 1 => collect(&repetition.sub, pieces),
        HirKind::Concat(parts) => {
            // Neighbouring literals are one piece: the parser merges them already.
            for part in parts {
                collect(part, pieces);
            }
        }
        // Alternatives, classes, anchors, optional parts: nothing certain.
        _ => {}
    }
}

fn push_text(bytes: &[u8], pieces: &mut Vec<String>) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        pieces.push(text.to_owned());
    }
}

/// True when a case-insensitive match of `piece` can only be text the index folds to
/// the same trigrams: ASCII without `k` and `s`, whose other case forms (the Kelvin
/// sign, the long s) the pattern accepts and the index does not fold.
fn folds_like_the_index(piece: &str) -> bool {
    piece
        .chars()
        .all(|c| c.is_ascii() && !matches!(c.to_ascii_lowercase(), 'k' | 's'))
}

#[cfg(test)]
mod tests {
    use super::required;

    #[test]
    fn pieces_every_match_contains() {
        assert_eq!(required("borealis"), ["borealis"]);
        assert_eq!(required("^Aurora .* fjord$"), ["Aurora ", " fjord"]);
        assert_eq!(required("(north)+ern"), ["north", "ern"]);
        assert_eq!(required("ab(cd)?efg"), ["efg"]);
        assert!(required("cat|dog").is_empty());
        assert!(required("[a-z]+").is_empty());
        assert!(required("ab").is_empty());
        assert!(required("(").is_empty());
        // Case-insensitive: only pieces the index folds the same way.
        assert_eq!(required("(?i)aurora"), ["aurora"]);
        assert!(required("(?i)borealis").is_empty());
        assert!(required("(?i)Ölberg").is_empty());
        // Inline flags inside the pattern make classes: nothing certain.
        assert!(required("(?i:aurora)").is_empty());
    }
}
