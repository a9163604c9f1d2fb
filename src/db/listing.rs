//! Listing and counting live assets: scope, MIME family, `query` filter, sort, page.

use sqlx::QueryBuilder;

use super::assets::AssetRow;
use super::budget::{Budgeted, BudgetedReaders, Slot, Weight};
use super::filter_sql::{Binds, BuilderDb, Rows, push_filter, push_title_holds, trigram_query};
use super::{DbResult, on};
use crate::contentstack::filter::{Field, Filter};

/// Where listed items come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every item of the stack.
    Everywhere,
    /// Items directly at the root.
    Root,
    /// Items directly inside a folder.
    Folder(String),
}

impl Scope {
    /// ` and parent_uid ...` for this scope; `root` is how the table writes "no
    /// folder" (`is null` on `assets`).
    fn push_condition<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>, root: &str) {
        match self {
            Scope::Everywhere => {}
            Scope::Root => {
                sql.push(format_args!(" and parent_uid {root}"));
            }
            Scope::Folder(uid) => {
                sql.push(" and parent_uid = ").bind_text(uid.clone());
            }
        }
    }
}

/// A column a listing can be sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    CreatedAt,
    UpdatedAt,
    Title,
    Name,
    Filename,
    FileSize,
    ContentType,
    Uid,
    Version,
    /// When it was published (delivery reads only).
    PublishedAt,
}

impl SortColumn {
    /// Maps a field name from `asc` / `desc` to its column.
    pub fn from_field(field: &str) -> Option<SortColumn> {
        Some(match field {
            "created_at" => SortColumn::CreatedAt,
            "updated_at" => SortColumn::UpdatedAt,
            "title" => SortColumn::Title,
            "name" => SortColumn::Name,
            "filename" => SortColumn::Filename,
            "file_size" => SortColumn::FileSize,
            "content_type" => SortColumn::ContentType,
            "uid" => SortColumn::Uid,
            "_version" => SortColumn::Version,
            _ => return None,
        })
    }

    pub fn sql(self) -> &'static str {
        match self {
            SortColumn::CreatedAt => "created_at",
            SortColumn::UpdatedAt => "updated_at",
            SortColumn::Title => "title",
            SortColumn::Name => "name",
            SortColumn::Filename => "filename",
            SortColumn::FileSize => "file_size",
            SortColumn::ContentType => "content_type",
            SortColumn::Uid => "uid",
            SortColumn::Version => "version",
            SortColumn::PublishedAt => "published_at",
        }
    }

    /// True when the column may hold nulls (whose place in the order the dialects
    /// disagree on).
    fn nullable(self) -> bool {
        matches!(
            self,
            SortColumn::Title | SortColumn::Name | SortColumn::Filename | SortColumn::FileSize
        )
    }
}

/// Sort order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub ascending: bool,
}

impl Default for Sort {
    /// Newest first.
    fn default() -> Self {
        Sort {
            column: SortColumn::CreatedAt,
            ascending: false,
        }
    }
}

/// A listing request, already validated.
#[derive(Debug, Clone)]
pub struct Listing {
    pub api_key: String,
    pub scope: Scope,
    /// Include folders (`is_dir` rows) unless the query itself decides.
    pub include_folders: bool,
    /// Restrict to a MIME family (`image/`, `video/`).
    pub content_type_prefix: Option<&'static str>,
    pub filter: Filter,
    pub sort: Sort,
    pub skip: u64,
    pub limit: u64,
}

impl Sort {
    /// ` order by <first> <direction>, <tie> <direction>...`: the ties keep pages from
    /// overlapping or skipping an item. Nulls come first in ascending order, as SQLite
    /// sorts them: PostgreSQL is told so when the sort column may hold nulls (and only
    /// then, so that an index of the default order still gives the others).
    pub(super) fn push_order<DB: BuilderDb>(
        &self,
        sql: &mut QueryBuilder<DB>,
        first: &str,
        ties: &[&str],
    ) {
        let direction = if self.ascending { "asc" } else { "desc" };
        sql.push(format_args!(" order by {first} {direction}"));
        if sql.is_pg() && self.column.nullable() {
            sql.push(if self.ascending {
                " nulls first"
            } else {
                " nulls last"
            });
        }
        for tie in ties {
            sql.push(format_args!(", {tie} {direction}"));
        }
    }

    /// Light when an index gives this order (a time), heavy otherwise.
    pub fn weight(&self) -> Weight {
        match self.column {
            SortColumn::CreatedAt | SortColumn::UpdatedAt => Weight::Light,
            _ => Weight::Heavy,
        }
    }
}

impl Listing {
    fn push_where<DB: BuilderDb>(&self, sql: &mut QueryBuilder<DB>) {
        sql.push(" where stack_api_key = ")
            .bind_text(self.api_key.clone());
        self.scope.push_condition(sql, "is null");
        let not_dir = if sql.is_pg() {
            " and is_dir = false"
        } else {
            " and is_dir = 0"
        };
        if !self.include_folders && !self.filter.mentions(Field::IsDir) {
            sql.push(not_dir);
        }
        if let Some(prefix) = self.content_type_prefix {
            // SQLite's `like` ignores ASCII case; PostgreSQL's `ilike` does the same (in
            // the database's C collation).
            let like = if sql.is_pg() { " ilike " } else { " like " };
            sql.push(not_dir)
                .push(" and content_type")
                .push(like)
                .bind_text(format!("{prefix}%"));
        }
        let rows = Rows::Live {
            api_key: &self.api_key,
        };
        push_filter(sql, &self.filter, rows);
    }

    /// `select <what> from assets`, or from the rows of `start` (found by index, then
    /// each fetched by key).
    pub(super) fn select<DB: BuilderDb>(
        &self,
        what: &str,
        start: Option<&Start>,
    ) -> QueryBuilder<DB> {
        let mut sql = QueryBuilder::new("");
        // `cross join` keeps the candidates the outer loop on SQLite; PostgreSQL has no
        // `cross join ... on` (its planner orders joins itself).
        let join = if sql.is_pg() { "join" } else { "cross join" };
        match start {
            None => {
                sql.push(format_args!("select {what} from assets"));
            }
            Some(Start::Tags(tags)) => {
                sql.push("with start (start_uid) as materialized (select distinct asset_uid ");
                push_tagged(&mut sql, &self.api_key, tags);
                sql.push(format_args!(
                    ") select {what} from start {join} assets on assets.uid = start.start_uid"
                ));
            }
            // PostgreSQL has no rowid: the stack's assets by key.
            Some(Start::Titles(pieces)) if sql.is_pg() => {
                sql.push("with start (start_uid) as materialized (select uid ");
                push_titled(&mut sql, &self.api_key, pieces);
                sql.push(format_args!(
                    ") select {what} from start {join} assets on assets.uid = start.start_uid"
                ));
            }
            Some(Start::Titles(pieces)) => {
                sql.push("with start (start_rowid) as materialized (select rowid ");
                push_titled(&mut sql, &self.api_key, pieces);
                sql.push(format_args!(
                    ") select {what} from start {join} assets on assets.rowid = start.start_rowid"
                ));
            }
        }
        self.push_where(&mut sql);
        sql
    }

    /// The count of every match read off the stack's counters (`asset_counts`), when
    /// the listing has no query and no MIME family: a few rows instead of every match.
    pub(super) fn counters_sql<DB: BuilderDb>(&self) -> Option<QueryBuilder<DB>> {
        if !self.filter.is_empty() || self.content_type_prefix.is_some() {
            return None;
        }
        let mut sql = QueryBuilder::new("");
        let pg = sql.is_pg();
        // PostgreSQL's `sum` of bigints is numeric.
        sql.push(if pg {
            "select cast(coalesce(sum(live), 0) as bigint) from asset_counts where stack_api_key = "
        } else {
            "select coalesce(sum(live), 0) from asset_counts where stack_api_key = "
        });
        sql.bind_text(self.api_key.clone());
        // `is_dir` named either way, so that a folder's counters are found by key.
        sql.push(match (self.include_folders, pg) {
            (true, false) => " and is_dir in (0, 1)",
            (false, false) => " and is_dir = 0",
            (true, true) => " and is_dir in (false, true)",
            (false, true) => " and is_dir = false",
        });
        // The counters write the root as '' (a key column cannot be null).
        self.scope.push_condition(&mut sql, "= ''");
        Some(sql)
    }

    /// Where the listing can start instead of walking the stack: the assets with one
    /// of the tags its filter requires, or else those whose titles contain the text
    /// its `$regex` on titles requires.
    fn start(&self) -> Option<Start> {
        if let Some(tags) = self.filter.required_tags() {
            return Some(Start::Tags(tags.into_iter().map(str::to_owned).collect()));
        }
        self.filter.required_title_pieces().map(Start::Titles)
    }
}

/// Rows a listing can start from, found by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Start {
    /// The assets carrying one of these tags.
    Tags(Vec<String>),
    /// The assets whose titles hold each of these pieces of text (through the title
    /// index: [`trigram_query`] on SQLite, [`push_title_holds`] on PostgreSQL).
    Titles(Vec<String>),
}

/// ` from asset_tags where ...`: the tag rows of one of `tags`.
fn push_tagged<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, api_key: &str, tags: &[String]) {
    sql.push("from asset_tags where stack_api_key = ")
        .bind_text(api_key.to_owned())
        .push(" and tag in (");
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(tag.clone());
    }
    sql.push(")");
}

/// ` from <title index> where ...`: the titles holding every piece. SQLite's
/// `asset_titles` holds every stack's titles; on PostgreSQL the stack's own assets are
/// read, through a pg_trgm index on `assets.title`.
fn push_titled<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, api_key: &str, pieces: &[String]) {
    if sql.is_pg() {
        sql.push("from assets where stack_api_key = ")
            .bind_text(api_key.to_owned())
            .push(" and ");
        push_title_holds(sql, pieces);
    } else {
        sql.push("from asset_titles where asset_titles match ")
            .bind_text(trigram_query(pieces));
    }
}

/// When at most this many rows are where a listing can start ([`Start`]), a page starts
/// there: fetched by key and sorted, they cost about as much as walking 30 times as
/// many rows in the sort order's index, which is what finding a page of sparse matches
/// takes otherwise.
const PAGE_FROM_START_UP_TO: i64 = 2_000;
/// A count starts there up to this many (it reads every match either way; past this
/// the walk over the stack's rows is as cheap).
const COUNT_FROM_START_UP_TO: i64 = 100_000;

/// What a listing run returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Page,
    Count,
    PageAndCount,
}

/// Runs a listing on a reader, within what is left of `slot`'s budget for all its
/// statements: the page and/or the count of all matches.
pub async fn run(
    readers: &BudgetedReaders,
    slot: Slot,
    listing: &Listing,
    wanted: Wanted,
) -> DbResult<(Vec<AssetRow>, Option<i64>)> {
    let mut conn = Budgeted::acquire(readers, slot).await?;
    let start = listing.start();
    let candidates = match &start {
        None => None,
        Some(start) => {
            // Counted only as far as the choice to make needs.
            let most = match wanted {
                Wanted::Page => PAGE_FROM_START_UP_TO,
                Wanted::Count | Wanted::PageAndCount => COUNT_FROM_START_UP_TO,
            };
            let candidates = on!(conn.conn()?, |c, _q| {
                let mut sql = count_candidates_sql(&listing.api_key, start, most);
                sql.build_query_scalar::<i64>().fetch_one(c).await
            });
            Some(candidates.map_err(|e| conn.error(e))?)
        }
    };
    let start_up_to = |most: i64| {
        start
            .as_ref()
            .filter(|_| candidates.is_some_and(|n| n <= most))
    };
    let rows = match wanted {
        Wanted::Count => Vec::new(),
        Wanted::Page | Wanted::PageAndCount => {
            let start = start_up_to(PAGE_FROM_START_UP_TO);
            let rows = on!(conn.conn()?, |c, _q| {
                let mut sql = page_sql(listing, start);
                sql.build_query_as::<AssetRow>().fetch_all(c).await
            });
            rows.map_err(|e| conn.error(e))?
        }
    };
    let count = match wanted {
        Wanted::Page => None,
        Wanted::Count | Wanted::PageAndCount => {
            let start = start_up_to(COUNT_FROM_START_UP_TO);
            let count = on!(conn.conn()?, |c, _q| {
                let mut sql = listing
                    .counters_sql()
                    .unwrap_or_else(|| listing.select("count(*)", start));
                sql.build_query_scalar::<i64>().fetch_one(c).await
            });
            Some(count.map_err(|e| conn.error(e))?)
        }
    };
    conn.release().await;
    Ok((rows, count))
}

/// How many rows `start` holds, counting no further than `most + 1`.
fn count_candidates_sql<DB: BuilderDb>(
    api_key: &str,
    start: &Start,
    most: i64,
) -> QueryBuilder<DB> {
    let mut sql = QueryBuilder::new("select count(*) from (select 1 ");
    match start {
        Start::Tags(tags) => push_tagged(&mut sql, api_key, tags),
        Start::Titles(pieces) => push_titled(&mut sql, api_key, pieces),
    }
    sql.push(format_args!(" limit {})", most + 1));
    // PostgreSQL (up to 15) requires a name for a subquery in `from`.
    if sql.is_pg() {
        sql.push(" as candidates");
    }
    sql
}

/// The page query of a listing.
pub(super) fn page_sql<DB: BuilderDb>(
    listing: &Listing,
    start: Option<&Start>,
) -> QueryBuilder<DB> {
    let mut sql = listing.select("assets.*", start);
    listing
        .sort
        .push_order(&mut sql, listing.sort.column.sql(), &["uid"]);
    push_page(&mut sql, listing.skip, listing.limit);
    sql
}

/// ` limit <limit> offset <skip>`, written out rather than bound: SQLite plans a literal
/// LIMIT once, where a bound one has it prepare the statement again at every run.
pub(super) fn push_page<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, skip: u64, limit: u64) {
    let skip = i64::try_from(skip).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    sql.push(format_args!(" limit {limit} offset {skip}"));
}
