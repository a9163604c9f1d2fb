//! Assets and folders rendered exactly as Contentstack's management API shows them,
//! field order included.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::db::assets::{AssetRow, VersionRow};
use crate::db::delivery::DeliveredRow;
use crate::db::publishing::PublishRecordRow;
use crate::domain::folders::{FOLDER_CONTENT_TYPE, PathItem};
use crate::routes::origin::PublicBase;

/// The query parameters that shape how assets are rendered.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RenderQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub relative_urls: bool,
    /// The delivery SDK's list query sends it singular.
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub relative_url: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub include_dimension: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub include_branch: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub include_metadata: bool,
}

impl RenderQuery {
    /// The rendering options these parameters ask for.
    pub fn options(&self, base: PublicBase) -> RenderOptions {
        RenderOptions {
            public_url: base.0,
            relative_urls: self.relative_urls || self.relative_url,
            include_dimension: self.include_dimension,
            include_branch: self.include_branch,
            include_metadata: self.include_metadata,
            scan_statuses: None,
        }
    }
}

/// How URLs and optional fields are rendered for one response.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Base of file URLs, e.g. `http://localhost:8484`.
    pub public_url: String,
    /// `relative_urls=true`: URLs without scheme and host.
    pub relative_urls: bool,
    /// `include_dimension=true`: `dimension` on images.
    pub include_dimension: bool,
    /// `include_branch=true`: `_branch` (always `main`).
    pub include_branch: bool,
    /// `include_metadata=true`: `_metadata`.
    pub include_metadata: bool,
    /// `include_asset_scan_status=true`: the statuses that were set, by asset uid (the
    /// others are `not_scanned`).
    pub scan_statuses: Option<std::collections::HashMap<String, String>>,
}

impl RenderOptions {
    fn branch(&self) -> Option<&'static str> {
        self.include_branch.then_some(crate::domain::branches::MAIN)
    }

    fn metadata(&self) -> Option<MetadataView> {
        self.include_metadata.then_some(MetadataView)
    }

    fn scan_status(&self, uid: &str) -> Option<String> {
        let statuses = self.scan_statuses.as_ref()?;
        Some(
            statuses
                .get(uid)
                .map_or(crate::domain::asset_extras::NOT_SCANNED, String::as_str)
                .to_owned(),
        )
    }
}

/// `_metadata`: the extensions' metadata of an asset. None is kept, so it is always
/// `{"extensions": {}}`.
#[derive(Clone, Copy)]
pub struct MetadataView;

impl Serialize for MetadataView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("extensions", &EmptyObject {})?;
        map.end()
    }
}

/// `{}` (an empty `ACL`, an empty `extensions`).
#[derive(Serialize, Clone, Copy)]
pub struct EmptyObject {}

#[derive(Serialize)]
/// Pixels, as integers (Contentstack sends `{"height": 168, "width": 300}`).
struct Dimension {
    height: u64,
    width: u64,
}

#[derive(Serialize)]
pub struct FileView<'a> {
    uid: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    created_by: &'a str,
    updated_by: &'a str,
    content_type: &'a str,
    file_size: String,
    tags: Vec<String>,
    filename: &'a str,
    url: String,
    #[serde(rename = "ACL")]
    acl: EmptyObject,
    is_dir: bool,
    parent_uid: Option<&'a str>,
    _version: i64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimension: Option<Dimension>,
    publish_details: Vec<PublishDetail<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permanent_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Vec<PathItem>>,
    #[serde(rename = "_branch", skip_serializing_if = "Option::is_none")]
    branch: Option<&'static str>,
    #[serde(rename = "_metadata", skip_serializing_if = "Option::is_none")]
    metadata: Option<MetadataView>,
    #[serde(rename = "_asset_scan_status", skip_serializing_if = "Option::is_none")]
    asset_scan_status: Option<String>,
}

/// One environment and locale an asset is published in, as the management API shows it.
#[derive(Serialize)]
pub struct PublishDetail<'a> {
    environment: &'a str,
    locale: &'a str,
    time: &'a str,
    user: &'a str,
    version: i64,
}

#[derive(Serialize)]
pub struct FolderView<'a> {
    uid: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    created_by: &'a str,
    updated_by: &'a str,
    content_type: &'a str,
    tags: Vec<String>,
    name: &'a str,
    #[serde(rename = "ACL")]
    acl: EmptyObject,
    is_dir: bool,
    parent_uid: Option<&'a str>,
    _version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Vec<PathItem>>,
    #[serde(rename = "_branch", skip_serializing_if = "Option::is_none")]
    branch: Option<&'static str>,
}

/// The file URL of an asset version.
pub fn file_url(
    options: &RenderOptions,
    api_key: &str,
    uid: &str,
    version_uid: &str,
    filename: &str,
) -> String {
    let path = format!(
        "/v3/assets/{api_key}/{uid}/{version_uid}/{}",
        encode_segment(filename)
    );
    if options.relative_urls {
        path
    } else {
        format!("{}{path}", options.public_url)
    }
}

/// What a URL path segment keeps as it is: letters, digits and `-._~()!$&;@[]`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'(')
    .remove(b')')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b';')
    .remove(b'@')
    .remove(b'[')
    .remove(b']');

/// Percent-encodes what may not stand in a URL path segment (sanitised filenames
/// rarely need it, but a URL must always be valid).
fn encode_segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A live asset or folder, not published anywhere. `path` is set with
/// `include_path=true`.
pub fn render<'a>(
    row: &'a AssetRow,
    options: &RenderOptions,
    path: Option<Vec<PathItem>>,
) -> AssetView<'a> {
    view(row, options, path, &[])
}

/// The URL that serves an asset's latest version under its permanent slug.
pub fn permanent_url(options: &RenderOptions, api_key: &str, uid: &str, slug: &str) -> String {
    let path = format!("/v3/assets/{api_key}/{uid}/{}", encode_segment(slug));
    if options.relative_urls {
        path
    } else {
        format!("{}{path}", options.public_url)
    }
}

/// A live asset or folder, ready to serialise (lists serialise these straight into the
/// answer, without building a JSON tree first). Not boxed: a page of them lives only
/// while it is written out, and a box would cost an allocation per row.
#[derive(Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum AssetView<'a> {
    File(FileView<'a>),
    Folder(FolderView<'a>),
}

/// The view of a live asset or folder with where it is published.
pub fn view<'a>(
    row: &'a AssetRow,
    options: &RenderOptions,
    path: Option<Vec<PathItem>>,
    publish: &'a [PublishRecordRow],
) -> AssetView<'a> {
    if row.is_dir {
        AssetView::Folder(FolderView {
            uid: &row.uid,
            created_at: &row.created_at,
            updated_at: &row.updated_at,
            created_by: &row.created_by,
            updated_by: &row.updated_by,
            content_type: FOLDER_CONTENT_TYPE,
            tags: row.tag_list(),
            name: row.name.as_deref().unwrap_or_default(),
            acl: EmptyObject {},
            is_dir: true,
            parent_uid: row.parent_uid.as_deref(),
            _version: row.version,
            path,
            branch: options.branch(),
        })
    } else {
        let filename = row.filename.as_deref().unwrap_or_default();
        let version_uid = row.version_uid.as_deref().unwrap_or_default();
        let dimension = match (options.include_dimension, row.width, row.height) {
            (true, Some(width), Some(height)) => Some(Dimension {
                height: height as u64,
                width: width as u64,
            }),
            _ => None,
        };
        AssetView::File(FileView {
            uid: &row.uid,
            created_at: &row.created_at,
            updated_at: &row.updated_at,
            created_by: &row.created_by,
            updated_by: &row.updated_by,
            content_type: &row.content_type,
            file_size: row.file_size.unwrap_or(0).to_string(),
            tags: row.tag_list(),
            filename,
            url: file_url(options, &row.stack_api_key, &row.uid, version_uid, filename),
            acl: EmptyObject {},
            is_dir: false,
            parent_uid: row.parent_uid.as_deref(),
            _version: row.version,
            title: row.title.as_deref().unwrap_or(filename),
            description: row.description.as_deref(),
            dimension,
            publish_details: publish
                .iter()
                .map(|r| PublishDetail {
                    environment: &r.environment_uid,
                    locale: &r.locale,
                    time: &r.published_at,
                    user: &r.published_by,
                    version: r.version,
                })
                .collect(),
            permanent_url: row
                .permanent_slug
                .as_deref()
                .map(|slug| permanent_url(options, &row.stack_api_key, &row.uid, slug)),
            path,
            branch: options.branch(),
            metadata: options.metadata(),
            asset_scan_status: options.scan_status(&row.uid),
        })
    }
}

/// An entry of `GET /v3/assets/{uid}/versions`.
#[derive(Serialize)]
pub struct VersionView<'a> {
    _version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    _version_name: Option<VersionNameView<'a>>,
    updated_at: &'a str,
    updated_by: &'a str,
}

/// A version's name, with who named it when.
#[derive(Serialize)]
pub struct VersionNameView<'a> {
    title: &'a str,
    updated_by: &'a str,
    updated_at: &'a str,
}

impl<'a> From<&'a VersionRow> for VersionView<'a> {
    fn from(version: &'a VersionRow) -> Self {
        VersionView {
            _version: version.version,
            _version_name: version
                .version_name
                .as_deref()
                .map(|title| VersionNameView {
                    title,
                    updated_by: &version.updated_by,
                    updated_at: &version.updated_at,
                }),
            updated_at: &version.updated_at,
            updated_by: &version.updated_by,
        }
    }
}

/// An asset as the delivery API shows it, key order as recorded from the real service.
#[derive(Serialize)]
pub struct DeliveredView<'a> {
    uid: &'a str,
    created_at: &'a str,
    content_type: &'a str,
    created_by: &'a str,
    tags: &'a [String],
    filename: &'a str,
    url: String,
    _version: i64,
    title: &'a str,
    is_dir: bool,
    updated_at: &'a str,
    #[serde(rename = "ACL", skip_serializing_if = "Option::is_none")]
    acl: Option<DeliveredAcl>,
    updated_by: &'a str,
    file_size: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimension: Option<Dimension>,
    publish_details: DeliveredDetails<'a>,
    #[serde(rename = "_branch", skip_serializing_if = "Option::is_none")]
    branch: Option<&'static str>,
    #[serde(rename = "_metadata", skip_serializing_if = "Option::is_none")]
    metadata: Option<MetadataView>,
}

/// A delivered asset's `ACL`: always `{}`.
#[derive(Serialize)]
struct DeliveredAcl {}

/// Where the delivered copy is published: one object, without `version`.
#[derive(Serialize)]
struct DeliveredDetails<'a> {
    environment: &'a str,
    locale: &'a str,
    time: &'a str,
    user: &'a str,
}

/// The view of a delivered asset; in a sync item (`for_sync`) without `ACL` and always
/// with the dimension of an image.
pub fn render_delivered<'a>(
    row: &'a DeliveredRow,
    options: &'a RenderOptions,
    for_sync: bool,
) -> DeliveredView<'a> {
    let wants_dimension = for_sync || options.include_dimension;
    let dimension = match (wants_dimension, row.width, row.height) {
        (true, Some(width), Some(height)) => Some(Dimension {
            height: height as u64,
            width: width as u64,
        }),
        _ => None,
    };
    DeliveredView {
        uid: &row.uid,
        created_at: &row.created_at,
        content_type: &row.content_type,
        created_by: &row.created_by,
        tags: &row.tags,
        filename: &row.filename,
        url: file_url(
            options,
            &row.stack_api_key,
            &row.uid,
            &row.version_uid,
            &row.filename,
        ),
        _version: row.version,
        title: row.title.as_deref().unwrap_or(&row.filename),
        is_dir: false,
        updated_at: &row.updated_at,
        acl: (!for_sync).then_some(DeliveredAcl {}),
        updated_by: &row.updated_by,
        file_size: row.file_size.to_string(),
        dimension,
        publish_details: DeliveredDetails {
            environment: &row.environment_uid,
            locale: &row.locale,
            time: &row.published_at,
            user: &row.published_by,
        },
        branch: options.branch(),
        metadata: options.metadata(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_render_their_name_only_when_named() {
        let mut version = VersionRow {
            version: 2,
            version_uid: "v2".into(),
            title: None,
            description: None,
            tags: Default::default(),
            parent_uid: None,
            version_name: None,
            updated_at: "t".into(),
            updated_by: "u".into(),
        };
        assert_eq!(
            serde_json::to_string(&VersionView::from(&version)).unwrap(),
            r#"{"_version":2,"updated_at":"t","updated_by":"u"}"#
        );
        version.version_name = Some("final".into());
        assert_eq!(
            serde_json::to_string(&VersionView::from(&version)).unwrap(),
            r#"{"_version":2,"_version_name":{"title":"final","updated_by":"u","updated_at":"t"},"updated_at":"t","updated_by":"u"}"#
        );
    }
}
