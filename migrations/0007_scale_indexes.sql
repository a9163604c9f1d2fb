-- The tags of live assets, one row per (asset, tag), so that a `tags` condition looks
-- its assets up by index instead of reading every asset's JSON list. Triggers keep it
-- in step with `assets.tags`, so every write of an asset (upload, update, trash,
-- restore, reset, snapshot, seed) keeps it right without knowing about it.
create table asset_tags (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    tag text not null,
    asset_uid text not null,
    primary key (stack_api_key, tag, asset_uid)
) without rowid;

-- Rows are found again through the old list (the primary key), which saves an index
-- by asset. A list that is not JSON is reported when the asset is read; it indexes no tags.
create trigger asset_tags_on_insert after insert on assets begin
    insert or ignore into asset_tags (stack_api_key, tag, asset_uid)
    select new.stack_api_key, value, new.uid
    from json_each(case when json_valid(new.tags) then new.tags else '[]' end)
    where type = 'text';
end;

create trigger asset_tags_on_update after update of tags, uid, stack_api_key on assets
when old.tags is not new.tags or old.uid is not new.uid or old.stack_api_key is not new.stack_api_key
begin
    delete from asset_tags where stack_api_key = old.stack_api_key and asset_uid = old.uid
        and tag in (select value from json_each(case when json_valid(old.tags) then old.tags else '[]' end));
    insert or ignore into asset_tags (stack_api_key, tag, asset_uid)
    select new.stack_api_key, value, new.uid
    from json_each(case when json_valid(new.tags) then new.tags else '[]' end)
    where type = 'text';
end;

create trigger asset_tags_on_delete after delete on assets begin
    delete from asset_tags where stack_api_key = old.stack_api_key and asset_uid = old.uid
        and tag in (select value from json_each(case when json_valid(old.tags) then old.tags else '[]' end));
end;

insert or ignore into asset_tags (stack_api_key, tag, asset_uid)
select a.stack_api_key, t.value, a.uid
from assets a, json_each(case when json_valid(a.tags) then a.tags else '[]' end) t
where t.type = 'text';

-- A folder's page in date order straight from the index, however many assets the rest
-- of the stack holds (the old index found the folder's rows, but then sorted them, and
-- SQLite preferred walking the whole stack by date instead).
drop index assets_by_parent;
create index assets_by_parent on assets (stack_api_key, parent_uid, is_dir, created_at, uid);
