-- Uids are unique per stack, not across the service: a seeded export keeps its uids, so
-- the same export can seed any number of stacks. Every table keyed by the uid of an
-- asset, folder, trash item, environment or locale gets the stack in its key, and every
-- foreign key on such a uid names the stack too.
--
-- SQLite cannot change a primary key in place: each table is copied into a new one,
-- children are dropped before their parents (so that no cascade fires), and the new
-- tables take the old names (renaming also rewrites the foreign keys that name them).

create table environments_new (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    -- JSON array of {"locale", "url"}
    urls text not null default '[]',
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    primary key (stack_api_key, uid),
    unique (stack_api_key, name)
);
-- rowid is kept: listings order environments and locales by it after created_at.
insert into environments_new (rowid, uid, stack_api_key, name, urls, version, created_at, created_by, updated_at, updated_by)
select rowid, uid, stack_api_key, name, urls, version, created_at, created_by, updated_at, updated_by from environments;

create table locales_new (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    code text not null,
    name text not null,
    fallback_locale text,
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    primary key (stack_api_key, uid),
    unique (stack_api_key, code)
);
insert into locales_new (rowid, uid, stack_api_key, code, name, fallback_locale, version, created_at, created_by, updated_at, updated_by)
select rowid, uid, stack_api_key, code, name, fallback_locale, version, created_at, created_by, updated_at, updated_by from locales;

create table assets_new (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    is_dir integer not null,
    parent_uid text,
    title text,
    name text,
    description text,
    filename text,
    content_type text not null,
    file_size integer,
    tags text not null default '[]',
    version integer not null default 1,
    version_uid text,
    width real,
    height real,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    permanent_slug text,
    primary key (stack_api_key, uid)
);
insert into assets_new select * from assets;

create table asset_versions_new (
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
    primary key (stack_api_key, asset_uid, version)
);
insert into asset_versions_new select * from asset_versions;

create table trash_new (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    item_type text not null,
    deleted_at text not null,
    deleted_by text not null,
    purge_at text not null,
    primary key (stack_api_key, uid)
);
insert into trash_new select * from trash;

create table trashed_assets_new (
    uid text not null,
    trash_uid text not null,
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
    updated_by text not null,
    permanent_slug text,
    primary key (stack_api_key, uid),
    foreign key (stack_api_key, trash_uid) references trash_new (stack_api_key, uid) on delete cascade
);
insert into trashed_assets_new select * from trashed_assets;

create table publish_records_new (
    asset_uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    environment_uid text not null,
    locale text not null,
    version integer not null,
    version_uid text not null,
    published_at text not null,
    published_by text not null,
    primary key (stack_api_key, asset_uid, environment_uid, locale),
    foreign key (stack_api_key, environment_uid) references environments_new (stack_api_key, uid) on delete cascade
);
insert into publish_records_new select * from publish_records;

drop table publish_records;
drop table trashed_assets;
drop table trash;
drop table asset_versions;
drop table assets;
drop table locales;
drop table environments;

alter table environments_new rename to environments;
alter table locales_new rename to locales;
alter table assets_new rename to assets;
alter table asset_versions_new rename to asset_versions;
alter table trash_new rename to trash;
alter table trashed_assets_new rename to trashed_assets;
alter table publish_records_new rename to publish_records;

create index assets_by_parent on assets (stack_api_key, parent_uid, is_dir);
create index assets_by_created on assets (stack_api_key, is_dir, created_at, uid);
create index assets_by_updated on assets (stack_api_key, is_dir, updated_at, uid);
create index trash_by_stack on trash (stack_api_key, deleted_at);
create index trash_by_purge on trash (stack_api_key, purge_at, uid);
create index trashed_assets_by_item on trashed_assets (stack_api_key, trash_uid);
create index publish_records_by_env on publish_records (stack_api_key, environment_uid, locale);

-- A stored file is found by its stack and asset (its version uid stays globally unique:
-- every stored file gets a fresh one).
drop index asset_files_by_asset;
drop index asset_files_by_stack;
create index asset_files_by_asset on asset_files (stack_api_key, asset_uid);
