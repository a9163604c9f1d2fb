-- Publishing: environments, locales, delivery tokens, what is published where, the
-- publish queue (scheduled and done actions), bulk job details, and the events the Sync
-- API replays. Every timestamp comes from the stack's clock.

-- An environment is addressed by its name (unique in its stack); elsewhere by its uid.
create table environments (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    -- JSON array of {"locale", "url"}
    urls text not null default '[]',
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    unique (stack_api_key, name)
);

-- Languages. The master locale is the one whose fallback_locale is null.
create table locales (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    code text not null,
    name text not null,
    fallback_locale text,
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    unique (stack_api_key, code)
);

-- Delivery tokens: read-only credentials of the Content Delivery API, scoped to
-- environments (by uid; an environment deleted is dropped from every scope).
create table delivery_tokens (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    description text not null default '',
    token text not null unique,
    preview_token text unique,
    -- JSON array of environment uids
    environments text not null default '[]',
    -- JSON array of the branch names in the scope (accepted, shown back)
    branches text not null default '["main"]',
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null
);

-- What is published: one row per (asset, environment, locale), naming the version and
-- the stored file of that version. Deleting an asset removes its rows in the same
-- transaction; a restored asset has none.
create table publish_records (
    asset_uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    environment_uid text not null references environments (uid) on delete cascade,
    locale text not null,
    version integer not null,
    version_uid text not null,
    published_at text not null,
    published_by text not null,
    primary key (asset_uid, environment_uid, locale)
);
create index publish_records_by_env on publish_records (stack_api_key, environment_uid, locale);

-- The publish queue: one row per publish or unpublish request of one asset, applied
-- at once or when the stack's clock reaches scheduled_at.
create table publish_queue (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    asset_uid text not null,
    -- the asset's title when queued (shown in the queue)
    title text not null default '',
    -- 'publish' or 'unpublish'
    action text not null,
    -- JSON arrays: environment uids, locale codes
    environments text not null,
    locales text not null,
    -- the version asked for; null means the latest when it is applied
    version integer,
    scheduled_at text,
    -- 'scheduled', 'success', 'skipped', 'failed' or 'cancelled'
    status text not null,
    message text,
    bulk_job_uid text,
    published_at text,
    created_at text not null,
    created_by text not null,
    updated_at text not null
);
create index publish_queue_due on publish_queue (stack_api_key, status, scheduled_at);
create index publish_queue_by_created on publish_queue (stack_api_key, created_at);

-- Bulk jobs now remember what they were asked (body) and what happened to each item.
alter table bulk_jobs add column body text not null default '{}';
alter table bulk_jobs add column items text not null default '[]';

-- The Sync API's history: one row per asset published, unpublished or deleted in an
-- environment and locale, in order. `data` is the delivered asset (published) or
-- {uid, locale, ...} (unpublished, deleted), as JSON.
create table sync_events (
    seq integer primary key autoincrement,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    environment_uid text not null,
    locale text not null,
    asset_uid text not null,
    -- 'asset_published', 'asset_unpublished' or 'asset_deleted'
    event_type text not null,
    event_at text not null,
    data text not null
);
create index sync_events_by_env on sync_events (stack_api_key, environment_uid, seq);

-- Version names and permanent URLs of assets (the slug is set once).
alter table assets add column permanent_slug text;
alter table trashed_assets add column permanent_slug text;

-- Every stack starts with the environment `development` and the master locale `en-us`.
insert into environments (uid, stack_api_key, name, urls, created_at, created_by, updated_at, updated_by)
select 'blt' || lower(hex(randomblob(8))), api_key, 'development',
       '[{"locale":"en-us","url":"http://localhost:3000"}]', created_at, user_uid, created_at, user_uid
from stacks;
insert into locales (uid, stack_api_key, code, name, fallback_locale, created_at, created_by, updated_at, updated_by)
select 'blt' || lower(hex(randomblob(8))), api_key, 'en-us', 'English - United States', null,
       created_at, user_uid, created_at, user_uid
from stacks;
