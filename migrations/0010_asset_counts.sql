-- How many live assets and folders each folder of each stack holds (`parent_uid` '' is
-- the root), so that a listing's `include_count` without a query reads a few counters
-- instead of counting a million index entries. Triggers keep it in step with `assets`,
-- as they keep `asset_tags`: every write path counts without knowing it exists.
create table asset_counts (
    stack_api_key text not null references stacks (api_key) on delete cascade,
    is_dir integer not null,
    parent_uid text not null,
    live integer not null,
    primary key (stack_api_key, is_dir, parent_uid)
) without rowid;

create trigger asset_counts_on_insert after insert on assets begin
    insert into asset_counts (stack_api_key, is_dir, parent_uid, live)
    values (new.stack_api_key, new.is_dir, coalesce(new.parent_uid, ''), 1)
    on conflict do update set live = live + 1;
end;

create trigger asset_counts_on_delete after delete on assets begin
    update asset_counts set live = live - 1
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '');
    delete from asset_counts
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '') and live <= 0;
end;

create trigger asset_counts_on_move after update of stack_api_key, is_dir, parent_uid on assets
when old.stack_api_key is not new.stack_api_key or old.is_dir is not new.is_dir
    or old.parent_uid is not new.parent_uid
begin
    update asset_counts set live = live - 1
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '');
    delete from asset_counts
    where stack_api_key = old.stack_api_key and is_dir = old.is_dir
        and parent_uid = coalesce(old.parent_uid, '') and live <= 0;
    insert into asset_counts (stack_api_key, is_dir, parent_uid, live)
    values (new.stack_api_key, new.is_dir, coalesce(new.parent_uid, ''), 1)
    on conflict do update set live = live + 1;
end;

insert into asset_counts (stack_api_key, is_dir, parent_uid, live)
select stack_api_key, is_dir, coalesce(parent_uid, ''), count(*)
from assets group by stack_api_key, is_dir, coalesce(parent_uid, '');
