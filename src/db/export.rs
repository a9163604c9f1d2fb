//! What an export of a stack reads: its live assets and folders, the stored file of each
//! asset's current version, their publish records, its environments and locales, all
//! in one read transaction so that they agree with each other.

use super::assets::{AssetFileRow, AssetRow};
use super::environments::EnvironmentRow;
use super::locales::LocaleRow;
use super::publishing::PublishRecordRow;
use super::{DbResult, Exec, on};

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
    super::read_consistently(db, async |db| read_in(db, api_key).await).await
}

/// [`read`]'s statements, inside its transaction.
async fn read_in(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<ExportRows> {
    let mut db: Exec<'_> = db.into();
    let assets = on!(db.re(), |c, q| sqlx::query_as::<_, AssetRow>(q.sql(
        "select * from assets where stack_api_key = ? order by is_dir desc, created_at, uid"
    ))
    .bind(api_key)
    .fetch_all(c)
    .await)?;
    let files = on!(db.re(), |c, q| sqlx::query_as::<_, AssetFileRow>(q.sql(
        "select f.* from asset_files f join assets a \
         on a.stack_api_key = f.stack_api_key and a.version_uid = f.version_uid \
         where a.stack_api_key = ? and a.is_dir = false"
    ))
    .bind(api_key)
    .fetch_all(c)
    .await)?;
    let records = on!(db.re(), |c, q| sqlx::query_as::<_, PublishRecordRow>(
        q.sql(
            "select * from publish_records where stack_api_key = ? \
         order by asset_uid, published_at, environment_uid, locale"
        )
    )
    .bind(api_key)
    .fetch_all(c)
    .await)?;
    let environments = super::environments::list(db.re(), api_key).await?;
    let locales = super::locales::list(db.re(), api_key).await?;
    Ok(ExportRows {
        assets,
        files,
        records,
        environments,
        locales,
    })
}
