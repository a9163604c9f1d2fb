-- What each stack was created with (or seeded with): the environments and locales a
-- per-stack reset puts back, with their uids, so delivery token scopes stay valid.
create table stack_creation_environments (
    uid text not null,
    stack_api_key text not null references stacks (api_key) on delete cascade,
    name text not null,
    urls text not null default '[]',
    version integer not null default 1,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    primary key (stack_api_key, uid)
);
create table stack_creation_locales (
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
    primary key (stack_api_key, uid)
);

-- Stacks made before: the environments and locales written with the stack itself.
insert into stack_creation_environments (uid, stack_api_key, name, urls, version, created_at, created_by, updated_at, updated_by)
select e.uid, e.stack_api_key, e.name, e.urls, 1, e.created_at, e.created_by, e.created_at, e.created_by
from environments e join stacks s on s.api_key = e.stack_api_key and e.created_at = s.created_at
order by e.rowid;
insert into stack_creation_locales (uid, stack_api_key, code, name, fallback_locale, version, created_at, created_by, updated_at, updated_by)
select l.uid, l.stack_api_key, l.code, l.name, l.fallback_locale, 1, l.created_at, l.created_by, l.created_at, l.created_by
from locales l join stacks s on s.api_key = l.stack_api_key and l.created_at = s.created_at
order by l.rowid;
