-- Tombstones of purged items: a restore of something the purge removed can then say
-- that it was purged, and when, instead of "not in the trash". One small row per item
-- (a trashed folder's contents included); removed with their stack.
create table purged_items (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    uid text not null,
    -- 'asset' or 'folder'
    item_type text not null,
    -- on the stack's clock
    purged_at text not null,
    primary key (stack_api_key, uid)
);
