-- The stack around the assets: its description, its user's display name and its settings,
-- the management tokens made through the API, and the scan status of assets.

-- `PUT /v3/stacks` changes the name and description; `updated_at` is null until then.
alter table stacks add column description text not null default '';
alter table stacks add column updated_at text;
-- The display name of the stack's user (the one written to created_by and friends).
alter table stacks add column user_name text not null default 'Local Developer';
-- `/v3/stacks/settings`: JSON object {"stack_variables", "discrete_variables", "live_preview", "rte"}.
alter table stacks add column settings text not null default '{}';

-- Management tokens made with `POST /v3/stacks/management_tokens`. The stack's own token
-- (stacks.management_token) is not one of these rows.
create table management_tokens (
    uid text primary key,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    description text not null default '',
    token text not null unique,
    -- JSON array of {"module", "acl": {...}, "branches"?}, as given
    scope text not null,
    -- RFC 3339 (or a date); null never expires
    expires_on text,
    is_email_notification_enabled integer not null default 0,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null
);
create index management_tokens_by_stack on management_tokens (stack_api_key, created_at);

-- What the malware scan said of an asset, set through `/_mock`; no row is `not_scanned`.
-- Keyed by stack and uid: asset uids are only unique within their stack.
create table asset_scan_status (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    asset_uid text not null,
    status text not null,
    primary key (stack_api_key, asset_uid)
);
