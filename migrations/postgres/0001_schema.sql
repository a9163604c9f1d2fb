-- PostgreSQL 15 schema: the final schema of the SQLite migrations 0001..0011 in one
-- migration. Translation rules:
--   integer -> bigint, real -> double precision, text -> text;
--   columns Rust binds as `bool` -> boolean; columns bound as `sqlx::types::Json<..>` -> jsonb;
--   every table whose code relies on SQLite's `rowid` (ordering by insertion, `order by
--   rowid`, row lookups by rowid) gets `seq bigint generated always as identity` as its
--   last column, playing the role of the rowid (sync_events already had `seq` as its
--   rowid alias: it keeps it, in its place, as its primary key);
--   the FTS5 trigram table `asset_titles` (0008, 0011) is replaced by a pg_trgm GIN
--   index on assets.title;
--   SQLite triggers -> PL/pgSQL trigger functions with the same semantics.
-- The SQLite migrations insert no rows into an empty database (their inserts only
-- backfill from existing rows), so there are no seed rows here.

create extension if not exists pg_trgm;

-- A stack is the unit of isolation: its own credentials, its own clock, its own data.
create table stacks (
    api_key text primary key,
    name text not null,
    management_token text not null unique,
    user_uid text not null,
    created_at text not null,
    clock_offset_ms bigint not null default 0,
    clock_frozen_at text,
    description text not null default '',
    updated_at text,
    user_name text not null default 'Local Developer',
    -- JSON object, but read and bound as a String by the code: kept as text
    settings text not null default '{}'
);

-- One row per stored file.
create table asset_files (
    version_uid text primary key,
    asset_uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    storage_key text not null unique,
    filename text not null,
    content_type text not null,
    file_size bigint not null,
    sha256 text not null,
    width double precision,
    height double precision,
    created_at text not null,
    seq bigint generated always as identity
);
create index asset_files_by_asset on asset_files (stack_api_key, asset_uid);

-- Stored files whose rows are gone and which still have to be removed from disk.
create table pending_file_deletions (
    storage_key text primary key,
    stack_api_key text not null
);

-- Bulk jobs.
create table bulk_jobs (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    action text not null,
    status text not null,
    summary jsonb not null,
    created_at text not null,
    created_by text not null,
    body jsonb not null default '{}'::jsonb,
    items jsonb not null default '[]'::jsonb,
    seq bigint generated always as identity
);

-- Tombstones of purged items.
create table purged_items (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    uid text not null,
    item_type text not null,
    purged_at text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid)
);

-- Delivery tokens.
create table delivery_tokens (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    description text not null default '',
    token text not null unique,
    preview_token text unique,
    environments jsonb not null default '[]'::jsonb,
    branches jsonb not null default '["main"]'::jsonb,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null
);

-- The publish queue.
create table publish_queue (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    asset_uid text not null,
    title text not null default '',
    action text not null,
    environments jsonb not null,
    locales jsonb not null,
    version bigint,
    scheduled_at text,
    status text not null,
    message text,
    bulk_job_uid text,
    published_at text,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    seq bigint generated always as identity
);
create index publish_queue_due on publish_queue (stack_api_key, status, scheduled_at);
create index publish_queue_by_created on publish_queue (stack_api_key, created_at);

-- The Sync API's history (`seq integer primary key autoincrement` in SQLite).
create table sync_events (
    seq bigint generated always as identity primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    environment_uid text not null,
    locale text not null,
    asset_uid text not null,
    event_type text not null,
    event_at text not null,
    data jsonb not null
);
create index sync_events_by_env on sync_events (stack_api_key, environment_uid, seq);

create table environments (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    urls jsonb not null default '[]'::jsonb,
    version bigint not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid),
    unique (stack_api_key, name)
);

create table locales (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    code text not null,
    name text not null,
    fallback_locale text,
    version bigint not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid),
    unique (stack_api_key, code)
);

-- Live assets and folders (a folder is an asset with is_dir = true).
create table assets (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    is_dir boolean not null,
    parent_uid text,
    title text,
    name text,
    description text,
    filename text,
    content_type text not null,
    file_size bigint,
    tags jsonb not null default '[]'::jsonb,
    version bigint not null default 1,
    version_uid text,
    width double precision,
    height double precision,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    permanent_slug text,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid)
);
create index assets_by_created on assets (stack_api_key, is_dir, created_at, uid);
create index assets_by_updated on assets (stack_api_key, is_dir, updated_at, uid);
create index assets_by_parent on assets (stack_api_key, parent_uid, is_dir, created_at, uid);
-- Replaces the FTS5 trigram table `asset_titles` (0008, 0011): `$regex` / `like` on
-- titles are served by a trigram index on the column itself, so no triggers are needed.
create index asset_titles_trgm on assets using gin (title gin_trgm_ops);

create table asset_versions (
    asset_uid text not null,
    version bigint not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    version_uid text not null,
    title text,
    description text,
    tags jsonb not null default '[]'::jsonb,
    parent_uid text,
    version_name text,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, asset_uid, version)
);

create table trash (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    item_type text not null,
    deleted_at text not null,
    deleted_by text not null,
    purge_at text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid)
);
create index trash_by_stack on trash (stack_api_key, deleted_at);
create index trash_by_purge on trash (stack_api_key, purge_at, uid);

create table trashed_assets (
    uid text not null,
    trash_uid text not null,
    stack_api_key text not null,
    is_dir boolean not null,
    parent_uid text,
    title text,
    name text,
    description text,
    filename text,
    content_type text not null,
    file_size bigint,
    tags jsonb not null default '[]'::jsonb,
    version bigint not null,
    version_uid text,
    width double precision,
    height double precision,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    permanent_slug text,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid),
    foreign key (stack_api_key, trash_uid) references trash (stack_api_key, uid) on delete cascade
);
create index trashed_assets_by_item on trashed_assets (stack_api_key, trash_uid);

create table publish_records (
    asset_uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    environment_uid text not null,
    locale text not null,
    version bigint not null,
    version_uid text not null,
    published_at text not null,
    published_by text not null,
    asset_created_at text,
    seq bigint generated always as identity,
    primary key (stack_api_key, asset_uid, environment_uid, locale),
    foreign key (stack_api_key, environment_uid) references environments (stack_api_key, uid) on delete cascade
);
create index publish_records_by_env on publish_records (stack_api_key, environment_uid, locale);
create index publish_records_by_created on publish_records
    (stack_api_key, environment_uid, asset_created_at, asset_uid, locale);
create index publish_records_by_published on publish_records
    (stack_api_key, environment_uid, published_at, asset_uid, locale);

create table management_tokens (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    description text not null default '',
    token text not null unique,
    scope jsonb not null,
    expires_on text,
    is_email_notification_enabled boolean not null default false,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity
);
create index management_tokens_by_stack on management_tokens (stack_api_key, created_at);

create table asset_scan_status (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    asset_uid text not null,
    status text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, asset_uid)
);

create table stack_creation_environments (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    urls jsonb not null default '[]'::jsonb,
    version bigint not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid)
);

create table stack_creation_locales (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    code text not null,
    name text not null,
    fallback_locale text,
    version bigint not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    seq bigint generated always as identity,
    primary key (stack_api_key, uid)
);

-- The tags of live assets, one row per (asset, tag) (SQLite: `without rowid`).
create table asset_tags (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    tag text not null,
    asset_uid text not null,
    primary key (stack_api_key, tag, asset_uid)
);

-- The text values SQLite's `json_each(tags) where type = 'text'` yields: the string
-- elements of an array, the string values of an object, or a lone string.
create function asset_tag_values(tags jsonb) returns setof text
language sql immutable as $$
    select e #>> '{}'
    from jsonb_array_elements(case when jsonb_typeof(tags) = 'array' then tags else '[]'::jsonb end) e
    where jsonb_typeof(e) = 'string'
    union all
    select o.value #>> '{}'
    from jsonb_each(case when jsonb_typeof(tags) = 'object' then tags else '{}'::jsonb end) o
    where jsonb_typeof(o.value) = 'string'
    union all
    select tags #>> '{}' where jsonb_typeof(tags) = 'string'
$$;

-- The values SQLite's `json_each(tags)` yields for the delete (any type; as text).
create function asset_tag_all_values(tags jsonb) returns setof text
language sql immutable as $$
    select e #>> '{}'
    from jsonb_array_elements(case when jsonb_typeof(tags) = 'array' then tags else '[]'::jsonb end) e
    union all
    select o.value #>> '{}'
    from jsonb_each(case when jsonb_typeof(tags) = 'object' then tags else '{}'::jsonb end) o
    union all
    select tags #>> '{}' where jsonb_typeof(tags) not in ('array', 'object')
$$;

create function asset_tags_on_insert() returns trigger
language plpgsql as $$
begin
    insert into asset_tags (stack_api_key, tag, asset_uid)
    select new.stack_api_key, t, new.uid from asset_tag_values(new.tags) t
    on conflict do nothing;
    return null;
end;
$$;

create function asset_tags_on_update() returns trigger
language plpgsql as $$
begin
    delete from asset_tags where stack_api_key = old.stack_api_key and asset_uid = old.uid
        and tag in (select asset_tag_all_values(old.tags));
    insert into asset_tags (stack_api_key, tag, asset_uid)
    select new.stack_api_key, t, new.uid from asset_tag_values(new.tags) t
    on conflict do nothing;
    return null;
end;
$$;

create function asset_tags_on_delete() returns trigger
language plpgsql as $$
begin
    delete from asset_tags where stack_api_key = old.stack_api_key and asset_uid = old.uid
        and tag in (select asset_tag_all_values(old.tags));
    return null;
end;
$$;

create trigger asset_tags_on_insert after insert on assets
for each row execute function asset_tags_on_insert();

create trigger asset_tags_on_update after update of tags, uid, stack_api_key on assets
for each row
when (old.tags is distinct from new.tags or old.uid is distinct from new.uid
      or old.stack_api_key is distinct from new.stack_api_key)
execute function asset_tags_on_update();

create trigger asset_tags_on_delete after delete on assets
for each row execute function asset_tags_on_delete();

-- A publish record written without the asset's created_at takes it from the live asset
-- (before the insert: SQLite's trigger updates the new row after it).
create function publish_records_created_at() returns trigger
language plpgsql as $$
begin
    new.asset_created_at := (
        select a.created_at from assets a
        where a.stack_api_key = new.stack_api_key and a.uid = new.asset_uid
    );
    return new;
end;
$$;

create trigger publish_records_created_at before insert on publish_records
for each row when (new.asset_created_at is null)
execute function publish_records_created_at();

-- How many live assets and folders each folder of each stack holds ('' is the root)
-- (SQLite: `without rowid`).
create table asset_counts (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    is_dir boolean not null,
    parent_uid text not null,
    live bigint not null,
    primary key (stack_api_key, is_dir, parent_uid)
);

create function asset_counts_on_insert() returns trigger
language plpgsql as $$
begin
    insert into asset_counts as c (stack_api_key, is_dir, parent_uid, live)
    values (new.stack_api_key, new.is_dir, coalesce(new.parent_uid, ''), 1)
    on conflict (stack_api_key, is_dir, parent_uid) do update set live = c.live + 1;
    return null;
end;
$$;

create function asset_counts_on_delete() returns trigger
language plpgsql as $$
begin
    update asset_counts set live = live - 1
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '');
    delete from asset_counts
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '') and live <= 0;
    return null;
end;
$$;

create function asset_counts_on_move() returns trigger
language plpgsql as $$
begin
    update asset_counts set live = live - 1
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '');
    delete from asset_counts
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '') and live <= 0;
    insert into asset_counts as c (stack_api_key, is_dir, parent_uid, live)
    values (new.stack_api_key, new.is_dir, coalesce(new.parent_uid, ''), 1)
    on conflict (stack_api_key, is_dir, parent_uid) do update set live = c.live + 1;
    return null;
end;
$$;

create trigger asset_counts_on_insert after insert on assets
for each row execute function asset_counts_on_insert();

create trigger asset_counts_on_delete after delete on assets
for each row execute function asset_counts_on_delete();

create trigger asset_counts_on_move after update of stack_api_key, is_dir, parent_uid on assets
for each row
when (old.stack_api_key is distinct from new.stack_api_key or old.is_dir is distinct from new.is_dir
      or old.parent_uid is distinct from new.parent_uid)
execute function asset_counts_on_move();
