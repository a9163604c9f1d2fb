//! What the Content Delivery API reads: assets as published in one environment (the
//! version published there, its file and details), by locale and fallback chain.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::types::Json;
use sqlx::{FromRow, QueryBuilder, Row};

use super::budget::{Budgeted, BudgetedReaders, Slot};
use super::filter_sql::{Binds, BuilderDb, Rows, push_filter};
use super::listing::{Sort, SortColumn, Wanted, push_page};
use super::{DbResult, json_column, on};
use crate::contentstack::filter::Filter;
use crate::contentstack::lenient;

/// An asset as published in one environment and locale (a sync event keeps one too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveredRow {
    pub uid: String,
    pub stack_api_key: String,
    pub created_at: String,
    pub created_by: String,
    pub content_type: String,
    /// The tags of the version (events written before kept them as JSON text).
    #[serde(deserialize_with = "lenient::list_or_json_text")]
    pub tags: Json<Vec<String>>,
    pub filename: String,
    pub version_uid: String,
    pub version: i64,
    pub title: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
    pub file_size: i64,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub environment_uid: String,
    pub locale: String,
    pub published_at: String,
    pub published_by: String,
}

/// Reads a [`DeliveredRow`] from a row of either backend.
macro_rules! delivered_from_row {
    ($row_type:ty) => {
        impl FromRow<'_, $row_type> for DeliveredRow {
            fn from_row(row: &$row_type) -> sqlx::Result<Self> {
                let uid: String = row.try_get("uid")?;
                let version: i64 = row.try_get("version")?;
                // The tags are the version's.
                let key = format!("{uid} version {version}");
                Ok(DeliveredRow {
                    stack_api_key: row.try_get("stack_api_key")?,
                    created_at: row.try_get("created_at")?,
                    created_by: row.try_get("created_by")?,
                    content_type: row.try_get("content_type")?,
                    tags: json_column(row, "asset_versions", &key, "tags")?,
                    filename: row.try_get("filename")?,
                    version_uid: row.try_get("version_uid")?,
                    title: row.try_get("title")?,
                    updated_at: row.try_get("updated_at")?,
                    updated_by: row.try_get("updated_by")?,
                    file_size: row.try_get("file_size")?,
                    width: row.try_get("width")?,
                    height: row.try_get("height")?,
                    environment_uid: row.try_get("environment_uid")?,
                    locale: row.try_get("locale")?,
                    published_at: row.try_get("published_at")?,
                    published_by: row.try_get("published_by")?,
                    uid,
                    version,
                })
            }
        }
    };
}
delivered_from_row!(SqliteRow);
delivered_from_row!(PgRow);

/// Which locale copies a read serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locales {
    /// Every published locale: an asset appears once per locale it is published in.
    Every,
    /// The first locale of the chain the asset is published in (a locale alone, or a
    /// locale followed by its fallbacks).
    FirstOf(Vec<String>),
}

/// A delivery read, already validated.
#[derive(Debug, Clone)]
pub struct DeliveryListing {
    pub api_key: String,
    pub environment_uid: String,
    pub locales: Locales,
    /// Only this asset (a single fetch).
    pub asset_uid: Option<String>,
    /// Only copies published at or after this time (the Sync API's `start_from`).
    pub published_since: Option<String>,
    pub filter: Filter,
    pub sort: Sort,
    pub skip: u64,
    pub limit: u64,
}

/// The columns a published copy is served with, `$is_dir` the dialect's false.
macro_rules! delivered {
    ($is_dir:literal) => {
        concat!(
            "select a.uid as uid, a.stack_api_key as stack_api_key, a.created_at as created_at, \
     a.created_by as created_by, f.content_type as content_type, v.tags as tags, f.filename as filename, \
     r.version_uid as version_uid, r.version as version, v.title as title, ",
            $is_dir,
            " as is_dir, \
     v.updated_at as updated_at, v.updated_by as updated_by, f.file_size as file_size, f.width as width, \
     f.height as height, r.environment_uid as environment_uid, r.locale as locale, \
     r.published_at as published_at, r.published_by as published_by, null as name, \
     v.description as description, a.parent_uid as parent_uid"
        )
    };
}

/// The served columns: `is_dir` is an integer on SQLite, a boolean on PostgreSQL (so
/// that a filter on it binds the same type as on `assets`).
fn delivered<DB: BuilderDb>() -> &'static str {
    if DB::DIALECT.is_pg() {
        delivered!("false")
    } else {
        delivered!("0")
    }
}

/// The rows a published copy `r` is served with.
const JOINED: &str = " join assets a on a.stack_api_key = r.stack_api_key and a.uid = r.asset_uid \
     join asset_versions v on v.stack_api_key = r.stack_api_key and v.asset_uid = r.asset_uid \
     and v.version = r.version \
     join asset_files f on f.version_uid = r.version_uid";

impl DeliveryListing {
    /// The conditions on the publish records `r` alone: the stack and environment, the
    /// one asset, `start_from`, and with a locale chain only each asset's copy in the
    /// first locale of the chain it is published in. That copy is picked by asking
    /// whether a better one exists (a key lookup per copy), not by ranking every
    /// published copy.
    fn push_record_conditions<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>) {
        sql.push(" r.stack_api_key = ")
            .bind_text(self.api_key.clone())
            .push(" and r.environment_uid = ")
            .bind_text(self.environment_uid.clone());
        if let Some(uid) = &self.asset_uid {
            sql.push(" and r.asset_uid = ").bind_text(uid.clone());
        }
        self.push_published_since(sql, "r");
        if let Locales::FirstOf(chain) = &self.locales {
            sql.push(" and r.locale in (");
            push_chain(sql, chain);
            sql.push(
                ") and not exists (select 1 from publish_records better \
                 where better.stack_api_key = r.stack_api_key and better.asset_uid = r.asset_uid \
                 and better.environment_uid = r.environment_uid and better.locale in (",
            );
            push_chain(sql, chain);
            sql.push(") and ");
            push_rank(sql, "better", chain);
            sql.push(" < ");
            push_rank(sql, "r", chain);
            self.push_published_since(sql, "better");
            sql.push(")");
        }
    }

    /// `with p as (...)`: the published copies served, with their rows, so that a
    /// filter can test any field.
    fn push_copies<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>) {
        sql.push("with p as (")
            .push(delivered::<DB>())
            .push(" from publish_records r")
            .push(JOINED)
            .push(" where");
        self.push_record_conditions(sql);
        sql.push(") ");
    }

    /// Only copies published since the Sync API's `start_from`.
    fn push_published_since<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>, record: &str) {
        if let Some(since) = &self.published_since {
            sql.push(format_args!(" and {record}.published_at >= "))
                .bind_text(since.clone());
        }
    }

    fn push_where<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>) {
        // PostgreSQL's `where` takes a boolean, not 1.
        sql.push(if sql.is_pg() {
            " from p where true"
        } else {
            " from p where 1"
        });
        push_filter(sql, &self.filter, Rows::Published);
    }

    /// The publish records' column that is served in the sort's order and indexed
    /// after the environment, when nothing but the records decides the page: then the
    /// page is picked from the index and only its rows are joined.
    fn indexed_order(&self) -> Option<&'static str> {
        if !self.filter.is_empty() {
            return None;
        }
        match self.sort.column {
            SortColumn::CreatedAt => Some("asset_created_at"),
            SortColumn::PublishedAt => Some("published_at"),
            _ => None,
        }
    }

    /// The page query.
    pub(super) fn page_sql<DB: BuilderDb>(&self) -> QueryBuilder<DB> {
        let mut sql = QueryBuilder::new("");
        let column = self.sort.column.sql();
        if let Some(indexed) = self.indexed_order() {
            // PostgreSQL has no rowid: the page's records by primary key (the columns
            // all in the order's index, so the page is still picked from it alone).
            let pg = sql.is_pg();
            sql.push(if pg {
                "with page as (select r.stack_api_key as page_stack, r.asset_uid as page_asset, \
                 r.environment_uid as page_environment, r.locale as page_locale \
                 from publish_records r where"
            } else {
                "with page as (select r.rowid as id from publish_records r where"
            });
            self.push_record_conditions(&mut sql);
            self.sort.push_order(
                &mut sql,
                &format!("r.{indexed}"),
                &["r.asset_uid", "r.locale"],
            );
            push_page(&mut sql, self.skip, self.limit);
            sql.push(") ").push(delivered::<DB>()).push(if pg {
                " from page join publish_records r on r.stack_api_key = page.page_stack \
                 and r.asset_uid = page.page_asset and r.environment_uid = page.page_environment \
                 and r.locale = page.page_locale"
            } else {
                " from page cross join publish_records r on r.rowid = page.id"
            });
            sql.push(JOINED);
            // Only the page's own rows are sorted here.
            self.sort.push_order(&mut sql, column, &["uid", "locale"]);
        } else {
            self.push_copies(&mut sql);
            sql.push("select *");
            self.push_where(&mut sql);
            self.sort.push_order(&mut sql, column, &["uid", "locale"]);
            push_page(&mut sql, self.skip, self.limit);
        }
        sql
    }

    /// The count of every match: of the records alone when nothing else decides.
    pub(super) fn count_sql<DB: BuilderDb>(&self) -> QueryBuilder<DB> {
        let mut sql = QueryBuilder::new("");
        if self.filter.is_empty() {
            sql.push("select count(*) from publish_records r where");
            self.push_record_conditions(&mut sql);
        } else {
            self.push_copies(&mut sql);
            sql.push("select count(*)");
            self.push_where(&mut sql);
        }
        sql
    }
}

/// `?, ?, ...`: the chain's locale codes.
fn push_chain<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, chain: &[String]) {
    for (i, code) in chain.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(code.clone());
    }
}

/// The place of a record's locale in the chain (0 first).
fn push_rank<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, record: &str, chain: &[String]) {
    sql.push(format_args!("case {record}.locale"));
    for (rank, code) in chain.iter().enumerate() {
        sql.push(" when ")
            .bind_text(code.clone())
            .push(format_args!(" then {rank}"));
    }
    sql.push(" end");
}

/// Runs a delivery read within what is left of `slot`'s budget: the page and/or the
/// count of all matches.
pub async fn run(
    readers: &BudgetedReaders,
    slot: Slot,
    listing: &DeliveryListing,
    wanted: Wanted,
) -> DbResult<(Vec<DeliveredRow>, Option<i64>)> {
    let mut conn = Budgeted::acquire(readers, slot).await?;
    let rows = match wanted {
        Wanted::Count => Vec::new(),
        Wanted::Page | Wanted::PageAndCount => {
            let rows = on!(conn.conn()?, |c, _q| {
                let mut sql = listing.page_sql();
                sql.build_query_as::<DeliveredRow>().fetch_all(c).await
            });
            rows.map_err(|e| conn.error(e))?
        }
    };
    let count = match wanted {
        Wanted::Page => None,
        Wanted::Count | Wanted::PageAndCount => {
            let count = on!(conn.conn()?, |c, _q| {
                let mut sql = listing.count_sql();
                sql.build_query_scalar::<i64>().fetch_one(c).await
            });
            Some(count.map_err(|e| conn.error(e))?)
        }
    };
    conn.release().await;
    Ok((rows, count))
}
