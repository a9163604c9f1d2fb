//! Generators for the identifiers Contentstack hands out, in its formats.

use uuid::Uuid;

fn random_hex(chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    while out.len() < chars {
        out.push_str(&Uuid::new_v4().simple().to_string());
    }
    out.truncate(chars);
    out
}

/// An asset or folder uid: `blt` + 16 lower-case hex characters.
pub fn asset_uid() -> String {
    format!("blt{}", random_hex(16))
}

/// A stored file's version uid (part of the file URL): 24 hex characters.
pub fn version_uid() -> String {
    random_hex(24)
}

/// A stack api key: `blt` + 16 hex characters.
pub fn api_key() -> String {
    format!("blt{}", random_hex(16))
}

/// A management token: `cs` + 32 hex characters.
pub fn management_token() -> String {
    format!("cs{}", random_hex(32))
}

/// A delivery or preview token: `cs` + 24 hex characters, as Contentstack's.
pub fn delivery_token() -> String {
    format!("cs{}", random_hex(24))
}

/// A user uid, written to `created_by` and friends: `cs` + 16 hex characters.
pub fn user_uid() -> String {
    format!("cs{}", random_hex(16))
}

/// A trash item or bulk job id (a UUID, as Contentstack's job ids are).
pub fn job_id() -> String {
    Uuid::new_v4().to_string()
}

/// The name of a stored file under the data dir (never derived from user input).
pub fn storage_key() -> String {
    Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_have_contentstack_shapes() {
        let uid = asset_uid();
        assert_eq!(uid.len(), 19);
        assert!(uid.starts_with("blt"));
        assert!(
            uid[3..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(version_uid().len(), 24);
        assert_ne!(asset_uid(), asset_uid());
    }
}
