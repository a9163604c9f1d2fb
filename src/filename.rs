//! Filenames as Contentstack stores them: the base name only, with each character
//! it forbids (`# % ^ + \ / ? * : | " ' { } = ,` and white space) replaced by `_`.

/// Used when a client sends no filename at all (the JS SDK's own default for buffers).
const FALLBACK: &str = "uploaded_file";

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
        cleaned
    }
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
}
