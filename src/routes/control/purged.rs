//! The `"purged"` list of a purge's answer, streamed: a purge of a large trash lists a
//! million items or more, which are rendered a chunk at a time as they are read back.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::domain::purge::PurgedList;

/// An answer whose JSON object ends with `"purged": [...]`: `head` is the object's
/// other members, rendered (`{...}`, possibly `{}`).
pub fn with_purged(head: Vec<u8>, purged: PurgedList) -> Response {
    let mut opening = head;
    let closing_brace = opening.pop();
    debug_assert_eq!(closing_brace, Some(b'}'));
    if opening.len() > 1 {
        opening.push(b',');
    }
    opening.extend_from_slice(br#""purged":["#);
    let mut first = true;
    let items = purged.into_chunks().map(move |chunk| {
        let chunk = chunk.inspect_err(|e| {
            // The status is sent: the answer is cut off, which the client sees as
            // a body that does not parse.
            tracing::error!(error = %e, "could not read back the list of purged items");
        })?;
        let mut rendered = Vec::with_capacity(chunk.len() * 48);
        for item in &chunk {
            if !std::mem::take(&mut first) {
                rendered.push(b',');
            }
            serde_json::to_writer(&mut rendered, item).map_err(std::io::Error::other)?;
        }
        Ok::<_, std::io::Error>(Bytes::from(rendered))
    });
    let body = futures_util::stream::once(async move { Ok(Bytes::from(opening)) })
        .chain(items)
        .chain(futures_util::stream::once(async {
            Ok(Bytes::from_static(b"]}"))
        }));
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::purge::Purged;

    async fn rendered(head: &[u8], items: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut list = PurgedList::new(dir.path().to_owned());
        for (uid, item_type) in items {
            let item = Purged {
                uid: (*uid).into(),
                item_type: (*item_type).into(),
            };
            list.push(item).await.unwrap();
        }
        let body = with_purged(head.to_vec(), list).into_body();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_purged_items_end_the_answer_after_its_other_members() {
        assert_eq!(
            rendered(
                br#"{"now":"2026-01-01T00:00:00.000Z","published":[]}"#,
                &[("u1", "asset"), ("f1", "folder")]
            )
            .await,
            r#"{"now":"2026-01-01T00:00:00.000Z","published":[],"purged":[{"uid":"u1","type":"asset"},{"uid":"f1","type":"folder"}]}"#
        );
        assert_eq!(rendered(b"{}", &[]).await, r#"{"purged":[]}"#);
        assert_eq!(
            rendered(b"{}", &[("u1", "asset")]).await,
            r#"{"purged":[{"uid":"u1","type":"asset"}]}"#
        );
    }
}
