//! The one error type of the service, its codes, and the one place its body is built:
//! Contentstack's `{"error_message": str, "error_code": int, "errors": {field: [str]}}`.
//!
//! Codes that Contentstack is known to use keep their meaning (105, 109, 141, 145); the
//! others are this service's own and are listed in docs/api.md. Routes turn an
//! [`ApiError`] into an HTTP response (`routes::error`); nothing here knows about HTTP
//! beyond the status number each error answers with.

use std::collections::BTreeMap;

use serde::Serialize;

/// Every `error_code` the service answers with.
pub mod codes {
    /// The body is not the JSON or multipart form it should be.
    pub const MALFORMED_BODY: u32 = 100;
    /// The body is larger than its limit.
    pub const TOO_LARGE: u32 = 102;
    /// Contentstack's: no credential, or one that does not open this stack.
    pub const NOT_AUTHENTICATED: u32 = 105;
    /// Contentstack's: the `api_key` names no stack.
    pub const INVALID_API_KEY: u32 = 109;
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
    /// The request body stalled for longer than the body timeout.
    pub const BODY_TIMEOUT: u32 = 125;
    /// Contentstack's: the requested object (a bulk job, ...) does not exist.
    pub const NOT_FOUND: u32 = 141;
    /// Contentstack's: the asset or folder does not exist.
    pub const ASSET_NOT_FOUND: u32 = 145;
    /// A request from a host or origin that may not reach `/_mock` or the web UI.
    pub const FORBIDDEN: u32 = 403;
    /// No such route, or no such `/_mock` resource.
    pub const UNKNOWN_ROUTE: u32 = 404;
    /// A known path with a method it does not take.
    pub const METHOD_NOT_ALLOWED: u32 = 405;
    /// An internal failure; the cause is logged, not sent.
    pub const INTERNAL: u32 = 500;
    /// The database does not answer (health).
    pub const UNAVAILABLE: u32 = 503;
}

/// Field name -> messages, as in Contentstack's `errors` object.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Builds a `{field: [message]}` map.
pub fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.insert(field.to_owned(), vec![message.into()]);
    errors
}

/// The error body every failure is shown as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    pub error_message: String,
    pub error_code: u32,
    pub errors: FieldErrors,
}

impl ErrorBody {
    /// A body without field errors.
    pub fn new(error_message: impl Into<String>, error_code: u32) -> ErrorBody {
        ErrorBody {
            error_message: error_message.into(),
            error_code,
            errors: FieldErrors::new(),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `412`, code 109: the `api_key` header is missing or names no stack.
    #[error("The api_key is invalid.")]
    InvalidApiKey,

    /// `401`, code 105: no credential, or one that does not open this stack.
    #[error("You're not allowed in here unless you're logged in.")]
    NotAuthenticated,

    /// `412`, code 109, on the delivery API: the `api_key` names no stack.
    #[error("We can't retrieve the stack. Please recheck the entered api_key.")]
    DeliveryInvalidApiKey,

    /// `401`, code 105, on the delivery API: the `access_token` does not open this stack
    /// and environment.
    #[error("You're not allowed in here unless you're logged in!")]
    DeliveryNotAuthenticated,

    /// `422`, code 145: no live asset with this uid on the management API.
    #[error("Asset was not found.")]
    AssetNotFound,

    /// `404`, code 145: the same, where the real service answers 404 (file URLs).
    #[error("Asset was not found.")]
    AssetNotFoundHere,

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

    /// `413`, code 102: a JSON body larger than its limit.
    #[error("The request body is too large. The maximum size is {limit} bytes.")]
    BodyTooLarge { limit: usize },

    /// `408`, code 125: the body stopped arriving for longer than the body timeout.
    #[error("The request body stopped arriving; it was not read within {seconds} s.")]
    BodyTimeout { seconds: u64 },

    /// `409` with the given code and message: the item's state forbids the action.
    #[error("{message}")]
    Conflict {
        code: u32,
        message: String,
        errors: FieldErrors,
    },

    /// `404` with the given code, message and field errors: a resource of the stack that
    /// does not exist, where the real service answers 404 (branches, management tokens).
    #[error("{message}")]
    Missing {
        code: u32,
        message: String,
        errors: FieldErrors,
    },

    /// `403` with the given code and message: a credential that opens the stack but may
    /// not do this (a management token without the scope for it).
    #[error("{message}")]
    Forbidden {
        code: u32,
        message: String,
        errors: FieldErrors,
    },

    /// `404`, code 404: no such route or mock-only resource.
    #[error("{message}")]
    NotFound { message: String },

    /// `405`, code 405: a known path with a method it does not take.
    #[error("{message}")]
    MethodNotAllowed { message: String },

    /// `403`, code 403: a host or origin that may not reach `/_mock` or the web UI
    /// (`field` names which: `host` or `origin`).
    #[error("{message}")]
    ForeignRequest {
        message: String,
        field: &'static str,
    },

    /// `401`, code 105: the `/_mock` admin token is missing or wrong.
    #[error("The admin token is missing or invalid.")]
    AdminTokenRequired,

    /// `500`: a database failure. The cause is logged, not sent.
    #[error("Something went wrong. Please try again.")]
    Database(#[from] crate::db::DbError),

    /// `500`: any other internal failure (disk, task). The cause is logged, not sent.
    #[error("Something went wrong. Please try again.")]
    Internal(#[from] anyhow::Error),
}

/// Result type of the domain and the handlers.
pub type ApiResult<T> = Result<T, ApiError>;

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

    /// A 422/120 for a missing or invalid value.
    pub fn invalid(message: impl Into<String>, field: &str, detail: impl Into<String>) -> Self {
        ApiError::unprocessable(codes::INVALID_FIELD, message, field, detail)
    }

    /// A 422 for a `query`, sort or other listing parameter that cannot be served.
    pub fn invalid_query(message: impl Into<String>, field: &str) -> Self {
        ApiError::unprocessable(codes::INVALID_QUERY, message, field, "is not valid.")
    }

    /// A 400 for a body that does not parse.
    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::MalformedBody {
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidApiKey | ApiError::DeliveryInvalidApiKey => 412,
            ApiError::NotAuthenticated
            | ApiError::AdminTokenRequired
            | ApiError::DeliveryNotAuthenticated => 401,
            ApiError::AssetNotFound
            | ApiError::FolderNotFound { .. }
            | ApiError::Unprocessable { .. } => 422,
            ApiError::AssetNotFoundHere | ApiError::NotFound { .. } | ApiError::Missing { .. } => {
                404
            }
            ApiError::Forbidden { .. } => 403,
            ApiError::MalformedBody { .. } => 400,
            ApiError::PayloadTooLarge { .. } | ApiError::BodyTooLarge { .. } => 413,
            ApiError::BodyTimeout { .. } => 408,
            ApiError::Conflict { .. } => 409,
            ApiError::ForeignRequest { .. } => 403,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Database(_) | ApiError::Internal(_) => 500,
        }
    }

    /// The Contentstack `error_code`.
    pub fn error_code(&self) -> u32 {
        match self {
            ApiError::InvalidApiKey | ApiError::DeliveryInvalidApiKey => codes::INVALID_API_KEY,
            ApiError::NotAuthenticated
            | ApiError::AdminTokenRequired
            | ApiError::DeliveryNotAuthenticated => codes::NOT_AUTHENTICATED,
            ApiError::AssetNotFound
            | ApiError::AssetNotFoundHere
            | ApiError::FolderNotFound { .. } => codes::ASSET_NOT_FOUND,
            ApiError::MalformedBody { .. } => codes::MALFORMED_BODY,
            ApiError::PayloadTooLarge { .. } | ApiError::BodyTooLarge { .. } => codes::TOO_LARGE,
            ApiError::BodyTimeout { .. } => codes::BODY_TIMEOUT,
            ApiError::Unprocessable { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Missing { code, .. }
            | ApiError::Forbidden { code, .. } => *code,
            ApiError::NotFound { .. } => codes::UNKNOWN_ROUTE,
            ApiError::ForeignRequest { .. } => codes::FORBIDDEN,
            ApiError::MethodNotAllowed { .. } => codes::METHOD_NOT_ALLOWED,
            ApiError::Database(_) | ApiError::Internal(_) => codes::INTERNAL,
        }
    }

    fn field_errors(&self) -> FieldErrors {
        match self {
            ApiError::InvalidApiKey | ApiError::DeliveryInvalidApiKey => {
                field_error("api_key", "is not valid.")
            }
            ApiError::DeliveryNotAuthenticated => field_error("access_token", "is not valid."),
            ApiError::NotAuthenticated | ApiError::AdminTokenRequired => {
                field_error("authorization", "is not valid.")
            }
            ApiError::AssetNotFound | ApiError::AssetNotFoundHere => {
                field_error("uid", "is not valid.")
            }
            ApiError::FolderNotFound { field } => field_error(field, "is not valid."),
            ApiError::ForeignRequest { field, .. } => field_error(field, "is not allowed."),
            ApiError::MalformedBody { .. } => field_error("body", "is not valid."),
            ApiError::PayloadTooLarge { .. } => field_error("asset.upload", "is too large."),
            ApiError::BodyTooLarge { .. } => field_error("body", "is too large."),
            ApiError::BodyTimeout { .. } => field_error("body", "timed out."),
            ApiError::Unprocessable { errors, .. }
            | ApiError::Conflict { errors, .. }
            | ApiError::Missing { errors, .. }
            | ApiError::Forbidden { errors, .. } => errors.clone(),
            ApiError::NotFound { .. }
            | ApiError::MethodNotAllowed { .. }
            | ApiError::Database(_)
            | ApiError::Internal(_) => FieldErrors::new(),
        }
    }

    /// The body this error is shown as.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error_message: self.to_string(),
            error_code: self.error_code(),
            errors: self.field_errors(),
        }
    }
}
