//! Queries on what is published (`publish_records`), the publish queue, bulk job
//! details and the Sync API's events.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{ColumnIndex, Database, Decode, Encode, FromRow, QueryBuilder, Row, Type};

use super::delivery::DeliveredRow;
use super::{DbResult, Exec, json_column, on};

/// One asset published in one environment and locale.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize, Deserialize)]
pub struct PublishRecordRow {
    pub asset_uid: String,
    pub stack_api_key: String,
    pub environment_uid: String,
    pub locale: String,
    pub version: i64,
    pub version_uid: String,
    pub published_at: String,
    pub published_by: String,
}

/// The publish records of some assets, in (asset, environment, locale) order.
pub async fn records_of(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uids: &[String],
) -> DbResult<Vec<PublishRecordRow>> {
    if asset_uids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on!(db, |c, _q| {
        let mut sql = QueryBuilder::new("select * from publish_records where stack_api_key = ");
        sql.push_bind(api_key.to_owned())
            .push(" and asset_uid in (");
        let mut list = sql.separated(", ");
        for uid in asset_uids {
            list.push_bind(uid.clone());
        }
        sql.push(") order by asset_uid, published_at, environment_uid, locale");
        sql.build_query_as::<PublishRecordRow>().fetch_all(c).await
    })?)
}

/// The record of an asset in one environment and locale.
pub async fn record(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    environment_uid: &str,
    locale: &str,
) -> DbResult<Option<PublishRecordRow>> {
    Ok(on!(db, |c, q| {
        sqlx::query_as::<_, PublishRecordRow>(q.sql(
        "select * from publish_records where stack_api_key = ? and asset_uid = ? and environment_uid = ? \
         and locale = ?"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .bind(environment_uid)
    .bind(locale)
    .fetch_optional(c)
    .await
    })?)
}

/// Records a publish (replacing what was published in that environment and locale).
pub async fn put_record(db: impl Into<Exec<'_>>, row: &PublishRecordRow) -> DbResult<()> {
    // PostgreSQL has no `insert or replace`: the conflict on the primary key updates
    // every other column instead, and takes a new `seq` as SQLite's replace takes a new
    // rowid.
    on!(db, |c, q| {
        sqlx::query(if q.is_pg() {
        "insert into publish_records (asset_uid, stack_api_key, environment_uid, locale, version, \
         version_uid, published_at, published_by, asset_created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, \
         (select created_at from assets where stack_api_key = $2 and uid = $1)) \
         on conflict (stack_api_key, asset_uid, environment_uid, locale) do update set \
         version = excluded.version, version_uid = excluded.version_uid, published_at = excluded.published_at, \
         published_by = excluded.published_by, asset_created_at = excluded.asset_created_at, \
         seq = default"
    } else {
        "insert or replace into publish_records (asset_uid, stack_api_key, environment_uid, locale, version, \
         version_uid, published_at, published_by, asset_created_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
         (select created_at from assets where stack_api_key = ?2 and uid = ?1))"
    })
    .bind(&row.asset_uid)
    .bind(&row.stack_api_key)
    .bind(&row.environment_uid)
    .bind(&row.locale)
    .bind(row.version)
    .bind(&row.version_uid)
    .bind(&row.published_at)
    .bind(&row.published_by)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Removes a record; true when there was one.
pub async fn delete_record(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    environment_uid: &str,
    locale: &str,
) -> DbResult<bool> {
    let removed = on!(db, |c, q| {
        sqlx::query(q.sql(
        "delete from publish_records where stack_api_key = ? and asset_uid = ? and environment_uid = ? \
         and locale = ?"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .bind(environment_uid)
    .bind(locale)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(removed > 0)
}

/// One publish or unpublish request of one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub uid: String,
    pub stack_api_key: String,
    pub asset_uid: String,
    pub title: String,
    pub action: String,
    /// Environment uids.
    pub environments: Json<Vec<String>>,
    /// Locale codes.
    pub locales: Json<Vec<String>>,
    pub version: Option<i64>,
    pub scheduled_at: Option<String>,
    pub status: String,
    pub message: Option<String>,
    pub bulk_job_uid: Option<String>,
    pub published_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

impl<'r, R> FromRow<'r, R> for QueueRow
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    Json<Vec<String>>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        let uid: String = row.try_get("uid")?;
        let json = |column| json_column(row, "publish_queue", &uid, column);
        Ok(QueueRow {
            stack_api_key: row.try_get("stack_api_key")?,
            asset_uid: row.try_get("asset_uid")?,
            title: row.try_get("title")?,
            action: row.try_get("action")?,
            environments: json("environments")?,
            locales: json("locales")?,
            version: row.try_get("version")?,
            scheduled_at: row.try_get("scheduled_at")?,
            status: row.try_get("status")?,
            message: row.try_get("message")?,
            bulk_job_uid: row.try_get("bulk_job_uid")?,
            published_at: row.try_get("published_at")?,
            created_at: row.try_get("created_at")?,
            created_by: row.try_get("created_by")?,
            updated_at: row.try_get("updated_at")?,
            uid,
        })
    }
}

/// Inserts a queue item, or writes back every field of an existing one.
pub async fn put_queue_item(db: impl Into<Exec<'_>>, row: &QueueRow) -> DbResult<()> {
    // SQLite's `insert or replace` deletes the old row and inserts a new one, with a new
    // `rowid`: an item written back moves to the end of the insertion order. PostgreSQL
    // updates the row in place and draws a new `seq` for it, the same order.
    on!(db, |c, q| {
        sqlx::query(q.sql(if q.is_pg() {
        "insert into publish_queue (uid, stack_api_key, asset_uid, title, action, environments, locales, \
         version, scheduled_at, status, message, bulk_job_uid, published_at, created_at, created_by, updated_at) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         on conflict (uid) do update set stack_api_key = excluded.stack_api_key, asset_uid = excluded.asset_uid, \
         title = excluded.title, action = excluded.action, environments = excluded.environments, \
         locales = excluded.locales, version = excluded.version, scheduled_at = excluded.scheduled_at, \
         status = excluded.status, message = excluded.message, bulk_job_uid = excluded.bulk_job_uid, \
         published_at = excluded.published_at, created_at = excluded.created_at, \
         created_by = excluded.created_by, updated_at = excluded.updated_at, seq = default"
    } else {
        "insert or replace into publish_queue (uid, stack_api_key, asset_uid, title, action, environments, locales, \
         version, scheduled_at, status, message, bulk_job_uid, published_at, created_at, created_by, updated_at) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    }))
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.asset_uid)
    .bind(&row.title)
    .bind(&row.action)
    .bind(&row.environments)
    .bind(&row.locales)
    .bind(row.version)
    .bind(&row.scheduled_at)
    .bind(&row.status)
    .bind(&row.message)
    .bind(&row.bulk_job_uid)
    .bind(&row.published_at)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// A queue item of a stack.
pub async fn queue_item(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<QueueRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, QueueRow>(q.sql(
        "select * from publish_queue where stack_api_key = ? and uid = ?"
    ))
    .bind(api_key)
    .bind(uid)
    .fetch_optional(c)
    .await)?)
}

/// A page of a stack's queue, newest first, and how many items it holds.
pub async fn queue_page(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    skip: i64,
    limit: i64,
) -> DbResult<(Vec<QueueRow>, i64)> {
    let mut db: Exec<'_> = db.into();
    // Items queued in the same millisecond come newest first by insertion (`rowid`,
    // `seq` on PostgreSQL), not by their random uids.
    let items = on!(db.re(), |c, q| {
        sqlx::query_as::<_, QueueRow>(q.sql(if q.is_pg() {
        "select * from publish_queue where stack_api_key = ? order by created_at desc, seq desc limit ? offset ?"
    } else {
        "select * from publish_queue where stack_api_key = ? order by created_at desc, rowid desc limit ? offset ?"
    }))
    .bind(api_key)
    .bind(limit)
    .bind(skip)
    .fetch_all(c)
    .await
    })?;
    let count = on!(db.re(), |c, q| sqlx::query_scalar::<_, i64>(
        q.sql("select count(*) from publish_queue where stack_api_key = ?")
    )
    .bind(api_key)
    .fetch_one(c)
    .await)?;
    Ok((items, count))
}

/// Scheduled items of a stack due at `now`, oldest schedule first (then in the order they
/// were asked for).
pub async fn due_items(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    now: &str,
    limit: i64,
) -> DbResult<Vec<QueueRow>> {
    Ok(on!(db, |c, q| {
        sqlx::query_as::<_, QueueRow>(q.sql(if q.is_pg() {
        "select * from publish_queue where stack_api_key = ? and status = 'scheduled' and scheduled_at <= ? \
         order by scheduled_at, created_at, seq limit ?"
    } else {
        "select * from publish_queue where stack_api_key = ? and status = 'scheduled' and scheduled_at <= ? \
         order by scheduled_at, created_at, rowid limit ?"
    }))
    .bind(api_key)
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await
    })?)
}

/// The type of the event that a publish leaves (the others are `asset_unpublished`
/// and `asset_deleted`).
pub const PUBLISHED_EVENT: &str = "asset_published";

/// One event of the Sync API's history.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncEventRow {
    pub seq: i64,
    pub stack_api_key: String,
    pub environment_uid: String,
    pub locale: String,
    pub asset_uid: String,
    pub event_type: String,
    pub event_at: String,
    pub data: Json<EventData>,
}

/// What an event keeps: the asset as delivered from a publish, or which copy went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    /// [`PUBLISHED_EVENT`].
    Published(Box<DeliveredRow>),
    /// An unpublish or a delete.
    Gone(GoneCopy),
}

/// The copy an unpublish or a delete took away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneCopy {
    pub uid: String,
    pub locale: String,
}

impl<'r, R> FromRow<'r, R> for SyncEventRow
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    Json<Box<DeliveredRow>>: Decode<'r, R::Database> + Type<R::Database>,
    Json<GoneCopy>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        let seq: i64 = row.try_get("seq")?;
        let event_type: String = row.try_get("event_type")?;
        // The type says what the data holds.
        let key = seq.to_string();
        let data = if event_type == PUBLISHED_EVENT {
            let asset = json_column::<Box<DeliveredRow>, _>(row, "sync_events", &key, "data")?;
            EventData::Published(asset.0)
        } else {
            EventData::Gone(json_column::<GoneCopy, _>(row, "sync_events", &key, "data")?.0)
        };
        Ok(SyncEventRow {
            seq,
            stack_api_key: row.try_get("stack_api_key")?,
            environment_uid: row.try_get("environment_uid")?,
            locale: row.try_get("locale")?,
            asset_uid: row.try_get("asset_uid")?,
            event_type,
            event_at: row.try_get("event_at")?,
            data: Json(data),
        })
    }
}

/// Appends an event.
pub async fn add_event(db: impl Into<Exec<'_>>, event: &SyncEventRow) -> DbResult<()> {
    on!(db, |c, q| {
        sqlx::query(q.sql(
        "insert into sync_events (stack_api_key, environment_uid, locale, asset_uid, event_type, event_at, data) \
         values (?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&event.stack_api_key)
    .bind(&event.environment_uid)
    .bind(&event.locale)
    .bind(&event.asset_uid)
    .bind(&event.event_type)
    .bind(&event.event_at)
    .bind(&event.data)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// The number of the newest event of a stack (0 before the first).
pub async fn last_event(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<i64> {
    Ok(on!(db, |c, q| sqlx::query_scalar::<_, i64>(q.sql(
        "select coalesce(max(seq), 0) from sync_events where stack_api_key = ?"
    ))
    .bind(api_key)
    .fetch_one(c)
    .await)?)
}

/// Which events a delta reads.
#[derive(Debug, Clone)]
pub struct EventWindow {
    pub api_key: String,
    pub environment_uid: String,
    /// Events after this one ...
    pub after: i64,
    /// ... up to and including this one.
    pub upto: i64,
    pub locale: Option<String>,
    pub types: Vec<String>,
    pub since: Option<String>,
}

impl EventWindow {
    fn push_where<DB>(&self, sql: &mut QueryBuilder<DB>)
    where
        DB: Database,
        String: Encode<'static, DB> + Type<DB>,
        i64: Encode<'static, DB> + Type<DB>,
    {
        sql.push(" where stack_api_key = ")
            .push_bind(self.api_key.clone())
            .push(" and environment_uid = ")
            .push_bind(self.environment_uid.clone())
            .push(" and seq > ")
            .push_bind(self.after)
            .push(" and seq <= ")
            .push_bind(self.upto);
        if let Some(locale) = &self.locale {
            sql.push(" and locale = ").push_bind(locale.clone());
        }
        if let Some(since) = &self.since {
            sql.push(" and event_at >= ").push_bind(since.clone());
        }
        sql.push(" and event_type in (");
        let mut list = sql.separated(", ");
        for t in &self.types {
            list.push_bind(t.clone());
        }
        sql.push(")");
    }
}

/// A page of the events in a window, newest first, and how many it holds.
pub async fn events(
    db: impl Into<Exec<'_>>,
    window: &EventWindow,
    skip: i64,
    limit: i64,
) -> DbResult<(Vec<SyncEventRow>, i64)> {
    let mut db: Exec<'_> = db.into();
    let rows = on!(db.re(), |c, _q| {
        let mut sql = QueryBuilder::new("select * from sync_events");
        window.push_where(&mut sql);
        sql.push(" order by seq desc limit ")
            .push_bind(limit)
            .push(" offset ")
            .push_bind(skip);
        sql.build_query_as::<SyncEventRow>().fetch_all(c).await
    })?;
    let count = on!(db.re(), |c, _q| {
        let mut sql = QueryBuilder::new("select count(*) from sync_events");
        window.push_where(&mut sql);
        sql.build_query_scalar::<i64>().fetch_one(c).await
    })?;
    Ok((rows, count))
}

/// The highest version of each asset published in an environment (any locale).
pub async fn versions_in(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    environment_uid: &str,
) -> DbResult<Vec<(String, i64)>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, (String, i64)>(q.sql(
        "select asset_uid, max(version) from publish_records \
         where stack_api_key = ? and environment_uid = ? group by asset_uid"
    ))
    .bind(api_key)
    .bind(environment_uid)
    .fetch_all(c)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::exec::LiteExec;

    /// One in-memory database with the two tables, without the rest of the schema.
    async fn tables() -> sqlx::SqlitePool {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(
            "create table publish_queue (uid text primary key, stack_api_key text, asset_uid text, title text, \
             action text, environments text, locales text, version integer, scheduled_at text, status text, \
             message text, bulk_job_uid text, published_at text, created_at text, created_by text, updated_at text)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "create table sync_events (seq integer primary key, stack_api_key text, environment_uid text, \
             locale text, asset_uid text, event_type text, event_at text, data text)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool
    }

    fn item(uid: &str) -> QueueRow {
        QueueRow {
            uid: uid.into(),
            stack_api_key: "blt1".into(),
            asset_uid: "blta".into(),
            title: "A".into(),
            action: "publish".into(),
            environments: Json(vec!["blte".into()]),
            locales: Json(vec!["en-us".into(), "fr-fr".into()]),
            version: Some(1),
            scheduled_at: None,
            status: "success".into(),
            message: None,
            bulk_job_uid: None,
            published_at: None,
            created_at: "t".into(),
            created_by: "u".into(),
            updated_at: "t".into(),
        }
    }

    #[tokio::test]
    async fn json_columns_round_trip_and_a_bad_one_names_its_row() {
        let pool = tables().await;
        let mut conn = pool.acquire().await.unwrap();
        put_queue_item(&mut *conn, &item("q1")).await.unwrap();
        let stored: String = sqlx::query_scalar("select locales from publish_queue")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(stored, r#"["en-us","fr-fr"]"#);
        let read = queue_item(&mut *conn, "blt1", "q1").await.unwrap();
        assert_eq!(read, Some(item("q1")));

        sqlx::query("update publish_queue set environments = 'not json'")
            .execute(&mut *conn)
            .await
            .unwrap();
        let error = queue_item(&mut *conn, "blt1", "q1").await.unwrap_err();
        let message = error.to_string();
        assert!(message.contains("publish_queue row q1"), "{message}");
        assert!(message.contains("environments"), "{message}");

        let gone = SyncEventRow {
            seq: 0,
            stack_api_key: "blt1".into(),
            environment_uid: "blte".into(),
            locale: "en-us".into(),
            asset_uid: "blta".into(),
            event_type: "asset_deleted".into(),
            event_at: "t".into(),
            data: Json(EventData::Gone(GoneCopy {
                uid: "blta".into(),
                locale: "en-us".into(),
            })),
        };
        add_event(&mut *conn, &gone).await.unwrap();
        let stored: String = sqlx::query_scalar("select data from sync_events")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(stored, r#"{"uid":"blta","locale":"en-us"}"#);
        sqlx::query("update sync_events set event_type = 'asset_published'")
            .execute(&mut *conn)
            .await
            .unwrap();
        let window = EventWindow {
            api_key: "blt1".into(),
            environment_uid: "blte".into(),
            after: 0,
            upto: 10,
            locale: None,
            types: vec!["asset_published".into()],
            since: None,
        };
        drop(conn);
        let error = events(Exec::Lite(LiteExec::Pool(&pool)), &window, 0, 10)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("sync_events row 1"), "{error}");
    }
}
