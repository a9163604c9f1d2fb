//! Filenames as Contentstack stores them: the base name only, with each character
//! it forbids (`# % ^ + \ / ? * : | " ' { } = ,` and white space) replaced by `_`, and
//! at most [`MAX_BYTES`] long.

/// Used when a client sends no filename at all (the JS SDK's own default for buffers).
const FALLBACK: &str = "uploaded_file";

/// Longest stored filename; longer ones are shortened, keeping their extension.
pub const MAX_BYTES: usize = 255;
/// Longest tail after the last dot that counts as an extension worth keeping.
const MAX_EXTENSION_BYTES: usize = 16;

/// Sanitises a client-sent filename.
pub fn sanitize(raw: &str) -> String {
    // Browsers and some clients send a full path; only its last part is the name.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || "#%^+\\/?*:|\"'{}=,".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        FALLBACK.to_owned()
    } else {
        shorten(cleaned)
    }
}

/// Cuts a name to [`MAX_BYTES`], on a character boundary, keeping a short extension.
fn shorten(name: String) -> String {
    if name.len() <= MAX_BYTES {
        return name;
    }
    let extension = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= MAX_EXTENSION_BYTES => {
            &name[stem.len()..]
        }
        _ => "",
    };
    let mut end = MAX_BYTES - extension.len();
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &name[..end])
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn forbidden_characters_become_underscores() {
        assert_eq!(sanitize("my photo #1.png"), "my_photo__1.png");
        assert_eq!(sanitize("images (1).jpg"), "images_(1).jpg");
        assert_eq!(
            sanitize("a+b=c,d'e\"f{g}h|i*j?k:l%m^n.txt"),
            "a_b_c_d_e_f_g_h_i_j_k_l_m_n.txt"
        );
        assert_eq!(sanitize("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize(""), "uploaded_file");
        assert_eq!(sanitize(".."), "uploaded_file");
    }

    #[test]
    fn long_names_are_shortened_keeping_the_extension() {
        let long = format!("{}.jpeg", "é".repeat(200));
        let short = sanitize(&long);
        assert!(short.len() <= 255, "{}", short.len());
        assert!(short.ends_with("é.jpeg"), "{short}");
        let no_extension = "x".repeat(300);
        assert_eq!(sanitize(&no_extension).len(), 255);
    }
}
