//! The one error type of the HTTP layer, rendered in Contentstack's error shape:
//! `{"error_message": str, "error_code": int, "errors": {field: [str]}}`.
//!
//! Codes that Contentstack is known to use keep their meaning (105, 109, 145); the
//! others are this service's own and are listed in the README.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// This service's own `error_code`s, where Contentstack's are not known.
pub mod codes {
    /// A required field is missing or a value is invalid.
    pub const INVALID_FIELD: u32 = 120;
    /// The `query`, `asc` or `desc` parameter cannot be run.
    pub const INVALID_QUERY: u32 = 121;
    /// A folder rule is broken (nesting depth, a folder into its own subtree, count).
    pub const FOLDER_RULE: u32 = 122;
    /// Too many items in one bulk request.
    pub const BULK_LIMIT: u32 = 123;
    /// An item cannot be restored in its current state.
    pub const RESTORE_CONFLICT: u32 = 124;
}

/// Field name -> messages, as in Contentstack's `errors` object.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `412`, code 109: the `api_key` header is missing or names no stack.
    #[error("The api_key is invalid.")]
    InvalidApiKey,

    /// `401`, code 105: no credential, or one that does not open this stack.
    #[error("You're not allowed in here unless you're logged in.")]
    NotAuthenticated,

    /// `422` (`404` on file URLs), code 145.
    #[error("Asset was not found.")]
    AssetNotFound { status: StatusCode },

    /// `422`, code 145: a folder uid that names no live folder.
    #[error("Folder was not found.")]
    FolderNotFound { field: &'static str },

    /// `400`, code 100: the body is not the JSON or multipart form it should be.
    #[error("{message}")]
    MalformedBody { message: String },

    /// `422` with the given code, message and field errors: a well-formed request that
    /// the service cannot carry out (bad values, limits, unsupported queries).
    #[error("{message}")]
    Unprocessable {
        code: u32,
        message: String,
        errors: FieldErrors,
    },

    /// `413`, code 102: the upload is larger than `--max-upload-bytes`.
    #[error("The file is too large. The maximum size is {limit} bytes.")]
    PayloadTooLarge { limit: u64 },

    /// `409` with the given code and message: the item's state forbids the action.
    #[error("{message}")]
    Conflict {
        code: u32,
        message: String,
        errors: FieldErrors,
    },

    /// `404`, code 404: no such route or mock-only resource.
    #[error("{message}")]
    NotFound { message: String },

    /// `401`, code 105: the `/_mock` admin token is missing or wrong.
    #[error("The admin token is missing or invalid.")]
    AdminTokenRequired,

    /// `500`: a database failure. The cause is logged, not sent.
    #[error("Something went wrong. Please try again.")]
    Database(#[from] sqlx::Error),

    /// `500`: any other internal failure (disk, task). The cause is logged, not sent.
    #[error("Something went wrong. Please try again.")]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error_message: String,
    error_code: u32,
    errors: &'a FieldErrors,
}

/// Builds a `{field: [message]}` map.
pub fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.insert(field.to_owned(), vec![message.into()]);
    errors
}

impl ApiError {
    /// A 422 with one field error.
    pub fn unprocessable(
        code: u32,
        message: impl Into<String>,
        field: &str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError::Unprocessable {
            code,
            message: message.into(),
            errors: field_error(field, detail),
        }
    }

    /// A 400 for a body that does not parse.
    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::MalformedBody {
            message: message.into(),
        }
    }

    /// A 422/145 for a missing asset on the management API.
    pub fn asset_not_found() -> Self {
        ApiError::AssetNotFound {
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidApiKey => StatusCode::PRECONDITION_FAILED,
            ApiError::NotAuthenticated | ApiError::AdminTokenRequired => StatusCode::UNAUTHORIZED,
            ApiError::AssetNotFound { status } => *status,
            ApiError::FolderNotFound { .. } | ApiError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MalformedBody { .. } => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Contentstack `error_code`.
    pub fn error_code(&self) -> u32 {
        match self {
            ApiError::InvalidApiKey => 109,
            ApiError::NotAuthenticated | ApiError::AdminTokenRequired => 105,
            ApiError::AssetNotFound { .. } | ApiError::FolderNotFound { .. } => 145,
            ApiError::MalformedBody { .. } => 100,
            ApiError::PayloadTooLarge { .. } => 102,
            ApiError::Unprocessable { code, .. } | ApiError::Conflict { code, .. } => *code,
            ApiError::NotFound { .. } => 404,
            ApiError::Database(_) | ApiError::Internal(_) => 500,
        }
    }

    fn field_errors(&self) -> FieldErrors {
        match self {
            ApiError::InvalidApiKey => field_error("api_key", "is not valid."),
            ApiError::NotAuthenticated => field_error("authorization", "is not valid."),
            ApiError::AdminTokenRequired => field_error("authorization", "is not valid."),
            ApiError::AssetNotFound { .. } => field_error("uid", "is not valid."),
            ApiError::FolderNotFound { field } => field_error(field, "is not valid."),
            ApiError::MalformedBody { .. } => field_error("body", "is not valid."),
            ApiError::PayloadTooLarge { .. } => field_error("asset.upload", "is too large."),
            ApiError::Unprocessable { errors, .. } | ApiError::Conflict { errors, .. } => {
                errors.clone()
            }
            ApiError::NotFound { .. } | ApiError::Database(_) | ApiError::Internal(_) => {
                FieldErrors::new()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if status.is_server_error() {
            // Logged here, once, with the full cause chain; the client gets a generic text.
            match &self {
                ApiError::Database(e) => tracing::error!(error = ?e, "database error"),
                ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
                _ => {}
            }
        }
        let errors = self.field_errors();
        let body = ErrorBody {
            error_message: self.to_string(),
            error_code: self.error_code(),
            errors: &errors,
        };
        (status, Json(body)).into_response()
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
