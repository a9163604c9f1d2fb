//! The web UI: plain HTML, CSS and JavaScript modules from `src/ui/`, compiled into the
//! binary and served under `/ui/` (`/` redirects there). The pages call the same `/v3` and
//! `/_mock` APIs as any client; nothing here reads or changes data.

use std::sync::LazyLock;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// One embedded file: its name under `/ui/`, content type and bytes.
struct UiFile {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

static FILES: &[UiFile] = &[
    UiFile {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../ui/index.html"),
    },
    UiFile {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../ui/style.css"),
    },
    UiFile {
        name: "app.js",
        content_type: JS,
        body: include_bytes!("../ui/app.js"),
    },
    UiFile {
        name: "api.js",
        content_type: JS,
        body: include_bytes!("../ui/api.js"),
    },
    UiFile {
        name: "dom.js",
        content_type: JS,
        body: include_bytes!("../ui/dom.js"),
    },
    UiFile {
        name: "assets.js",
        content_type: JS,
        body: include_bytes!("../ui/assets.js"),
    },
    UiFile {
        name: "asset.js",
        content_type: JS,
        body: include_bytes!("../ui/asset.js"),
    },
    UiFile {
        name: "folders.js",
        content_type: JS,
        body: include_bytes!("../ui/folders.js"),
    },
    UiFile {
        name: "publish.js",
        content_type: JS,
        body: include_bytes!("../ui/publish.js"),
    },
    UiFile {
        name: "settings.js",
        content_type: JS,
        body: include_bytes!("../ui/settings.js"),
    },
    UiFile {
        name: "trash.js",
        content_type: JS,
        body: include_bytes!("../ui/trash.js"),
    },
    UiFile {
        name: "clock.js",
        content_type: JS,
        body: include_bytes!("../ui/clock.js"),
    },
    UiFile {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../ui/favicon.svg"),
    },
];

/// The pages may load only from this origin: a stray request elsewhere is blocked (and
/// shows as a console error in the browser tests).
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; media-src 'self'; \
    style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// ETags of the embedded files (FNV-1a of the bytes), computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|file| {
            let hash = file.body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("\"{hash:016x}\"")
        })
        .collect()
});

/// The UI's routes: `/`, `/ui`, `/ui/`, `/ui/{file}` and `/favicon.ico`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(to_index))
        .route("/ui", get(to_index))
        .route("/ui/", get(index))
        .route("/ui/{file}", get(file))
        .route("/favicon.ico", get(favicon))
}

async fn to_index() -> Redirect {
    Redirect::temporary("/ui/")
}

async fn index(request: Request) -> Response {
    serve("index.html", request.headers()).unwrap_or_else(|| not_found(&request))
}

async fn favicon(request: Request) -> Response {
    serve("favicon.svg", request.headers()).unwrap_or_else(|| not_found(&request))
}

/// `/ui/{file}`: the name is taken from the path as sent (still percent-encoded), so
/// that a name that is not UTF-8 is one more file the UI does not have.
async fn file(request: Request) -> Response {
    let name = request
        .uri()
        .path()
        .strip_prefix("/ui/")
        .unwrap_or_default();
    serve(name, request.headers()).unwrap_or_else(|| not_found(&request))
}

/// Answers an embedded file, or `None` when there is no file of that name.
fn serve(name: &str, headers: &HeaderMap) -> Option<Response> {
    let index = FILES.iter().position(|file| file.name == name)?;
    let file = &FILES[index];
    let etag = &ETAGS[index];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            )],
            file.body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    // Always revalidate: a new binary may serve new files under the same names.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Some(response)
}

/// The JSON 404 of the rest of the service, for a file the UI does not have.
fn not_found(request: &Request) -> Response {
    ApiError::NotFound {
        message: format!(
            "The requested URL {} {} was not found.",
            request.method(),
            request.uri().path()
        ),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_embedded_once_and_small() {
        let mut names: Vec<&str> = FILES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FILES.len());
        let total: usize = FILES.iter().map(|f| f.body.len()).sum();
        assert!(total < 150 * 1024, "the UI weighs {total} bytes");
    }

    #[test]
    fn modules_import_only_embedded_files() {
        for file in FILES.iter().filter(|f| f.name.ends_with(".js")) {
            let text = std::str::from_utf8(file.body).unwrap();
            // Static imports (`from './x.js'`) and the modules loaded on first use
            // (`import('./x.js')`).
            for marker in ["from './", "import('./"] {
                for part in text.split(marker).skip(1) {
                    let name = part.split('\'').next().unwrap();
                    assert!(
                        FILES.iter().any(|f| f.name == name),
                        "{} imports ./{name}, which is not embedded",
                        file.name
                    );
                }
            }
        }
    }

    #[test]
    fn index_links_only_embedded_files() {
        let index = std::str::from_utf8(FILES[0].body).unwrap();
        for part in index.split("/ui/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            if !name.is_empty() {
                assert!(
                    FILES.iter().any(|f| f.name == name),
                    "index.html links /ui/{name}, which is not embedded"
                );
            }
        }
    }
}
