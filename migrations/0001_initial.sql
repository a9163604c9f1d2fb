-- The whole first schema: stacks, live assets and folders, their versions and stored
-- files, the trash, pending file deletions and bulk jobs.
--
-- Conventions: ids are text, timestamps are RFC 3339 text in UTC with milliseconds
-- (`2026-01-02T03:04:05.678Z`), so they sort as text. Every timestamp a stack writes
-- comes from that stack's virtual clock.

-- A stack is the unit of isolation: its own credentials, its own clock, its own data.
create table stacks (
    api_key text primary key,
    name text not null,
    -- the one credential the stack accepts (in `authorization` or `authtoken`)
    management_token text not null unique,
    -- the user uid written to created_by / updated_by / deleted_by
    user_uid text not null,
    created_at text not null,
    -- virtual clock: now = (clock_frozen_at, if set) else (real now + clock_offset_ms)
    clock_offset_ms integer not null default 0,
    clock_frozen_at text
);

-- Live assets and folders. As in Contentstack, a folder is an asset with is_dir = 1.
-- Trashed items are moved out of this table (into trashed_assets), so every read of
-- this table only ever sees live items.
create table assets (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    is_dir integer not null,
    -- the folder the item sits in; null at the root
    parent_uid text,
    -- files have a title, folders a name
    title text,
    name text,
    description text,
    filename text,
    content_type text not null,
    file_size integer,
    -- JSON array of strings
    tags text not null default '[]',
    version integer not null default 1,
    -- the stored file of the current version (files only); part of the file URL
    version_uid text,
    width real,
    height real,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null
);
create index assets_by_parent on assets (stack_api_key, parent_uid, is_dir);
create index assets_by_created on assets (stack_api_key, is_dir, created_at, uid);
create index assets_by_updated on assets (stack_api_key, is_dir, updated_at, uid);

-- One row per stored file: every upload and every replace makes a new one.
-- Rows stay while the asset is live or in the trash; the purge removes them.
create table asset_files (
    version_uid text primary key,
    asset_uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    -- name of the file under the data dir's files/ folder (never the user's filename)
    storage_key text not null unique,
    filename text not null,
    content_type text not null,
    file_size integer not null,
    sha256 text not null,
    width real,
    height real,
    created_at text not null
);
create index asset_files_by_asset on asset_files (asset_uid);
create index asset_files_by_stack on asset_files (stack_api_key);

-- The version history of each file asset, as `GET /v3/assets/{uid}/versions` shows it.
create table asset_versions (
    asset_uid text not null,
    version integer not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    version_uid text not null,
    title text,
    description text,
    tags text not null default '[]',
    parent_uid text,
    version_name text,
    updated_at text not null,
    updated_by text not null,
    primary key (asset_uid, version)
);

-- The trash: one row per deleted item. A folder deleted with its contents is one item.
create table trash (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    -- 'asset' or 'folder'
    item_type text not null,
    deleted_at text not null,
    deleted_by text not null,
    -- deleted_at + retention, on the stack's clock
    purge_at text not null
);
create index trash_by_stack on trash (stack_api_key, deleted_at);
-- the purge takes items of one stack in purge_at order, a batch at a time
create index trash_by_purge on trash (stack_api_key, purge_at, uid);

-- The rows of trashed items, moved here from `assets` in the same transaction that
-- creates the trash item. `trash_uid` names the item they belong to (a folder's item
-- carries the folder and everything that was inside it).
create table trashed_assets (
    uid text primary key,
    trash_uid text not null references trash (uid) on delete cascade,
    stack_api_key text not null,
    is_dir integer not null,
    parent_uid text,
    title text,
    name text,
    description text,
    filename text,
    content_type text not null,
    file_size integer,
    tags text not null default '[]',
    version integer not null,
    version_uid text,
    width real,
    height real,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null
);
create index trashed_assets_by_item on trashed_assets (trash_uid);

-- Stored files whose rows are gone and which still have to be removed from disk.
-- Written in the same transaction that deletes the rows, so a crash between the
-- commit and the unlink is finished at the next start.
create table pending_file_deletions (
    storage_key text primary key,
    stack_api_key text not null
);

-- Bulk jobs (`POST /v3/bulk/delete` and friends), for `GET /v3/bulk/jobs/{job_id}`.
create table bulk_jobs (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    action text not null,
    status text not null,
    -- JSON: {"total", "success", "unsuccess", "failed": [...]}
    summary text not null,
    created_at text not null,
    created_by text not null
);
