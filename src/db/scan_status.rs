//! Queries on `asset_scan_status`: what the malware scan said of each asset (set through
//! `/_mock`; an asset without a row is `not_scanned`).

use sqlx::QueryBuilder;

use super::{DbResult, Exec, on};

/// The statuses of some assets of a stack that have one, as (uid, status).
pub async fn statuses_of(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uids: &[String],
) -> DbResult<Vec<(String, String)>> {
    if asset_uids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on!(db, |c, _q| {
        let mut sql = QueryBuilder::new(
            "select asset_uid, status from asset_scan_status where stack_api_key = ",
        );
        sql.push_bind(api_key.to_owned())
            .push(" and asset_uid in (");
        let mut list = sql.separated(", ");
        for uid in asset_uids {
            list.push_bind(uid.clone());
        }
        sql.push(")");
        sql.build_query_as::<(String, String)>().fetch_all(c).await
    })?)
}

/// Sets an asset's status (`not_scanned` removes the row).
pub async fn set(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    status: &str,
) -> DbResult<()> {
    if status == "not_scanned" {
        on!(db, |c, q| sqlx::query(q.sql(
            "delete from asset_scan_status where stack_api_key = ? and asset_uid = ?"
        ))
        .bind(api_key)
        .bind(asset_uid)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
        return Ok(());
    }
    on!(db, |c, q| sqlx::query(q.sql(
        "insert into asset_scan_status (stack_api_key, asset_uid, status) values (?, ?, ?) \
         on conflict (stack_api_key, asset_uid) do update set status = excluded.status"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .bind(status)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
