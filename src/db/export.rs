//! What an export of a stack reads: its live assets and folders, the stored file of each
//! asset's current version, their publish records, its environments and locales, all
//! in one read transaction so that they agree with each other.

use super::DbResult;
use super::assets::{AssetFileRow, AssetRow};
use super::environments::EnvironmentRow;
use super::locales::LocaleRow;
use super::publishing::PublishRecordRow;

/// A stack's exportable rows.
#[derive(Debug)]
pub struct ExportRows {
    /// Folders and file assets, folders first, each oldest first.
    pub assets: Vec<AssetRow>,
    /// The stored file of each file asset's current version.
    pub files: Vec<AssetFileRow>,
    pub records: Vec<PublishRecordRow>,
    pub environments: Vec<EnvironmentRow>,
    pub locales: Vec<LocaleRow>,
}

/// Reads a stack's exportable rows at one instant.
pub async fn read(db: super::Reader<'_>, api_key: &str) -> DbResult<ExportRows> {
    let mut conn = db.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let assets = sqlx::query_as::<_, AssetRow>(
        "select * from assets where stack_api_key = ? order by is_dir desc, created_at, uid",
    )
    .bind(api_key)
    .fetch_all(&mut *tx)
    .await?;
    let files = sqlx::query_as::<_, AssetFileRow>(
        "select f.* from asset_files f join assets a \
         on a.stack_api_key = f.stack_api_key and a.version_uid = f.version_uid \
         where a.stack_api_key = ? and a.is_dir = 0",
    )
    .bind(api_key)
    .fetch_all(&mut *tx)
    .await?;
    let records = sqlx::query_as::<_, PublishRecordRow>(
        "select * from publish_records where stack_api_key = ? \
         order by asset_uid, published_at, environment_uid, locale",
    )
    .bind(api_key)
    .fetch_all(&mut *tx)
    .await?;
    let environments = super::environments::list(&mut *tx, api_key).await?;
    let locales = super::locales::list(&mut *tx, api_key).await?;
    tx.commit().await?;
    Ok(ExportRows {
        assets,
        files,
        records,
        environments,
        locales,
    })
}
