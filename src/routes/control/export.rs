//! `GET /_mock/stacks/{api_key}/export`: the stack as a `csdx cm:stacks:export` folder in
//! a `.tar.gz`, streamed.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use crate::domain::export;
use crate::error::ApiResult;
use crate::routes::extract::ApiPath;
use crate::state::AppState;

/// `GET /_mock/stacks/{api_key}/export`
pub async fn export_stack(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    let archive = export::export(&state, &api_key).await?;
    let disposition = format!("attachment; filename=\"{api_key}.tar.gz\"");
    let body = Body::from_stream(ReaderStream::new(tokio::fs::File::from_std(archive.file)));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(archive.bytes));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
