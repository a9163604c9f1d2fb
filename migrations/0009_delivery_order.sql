-- Delivery pages and sync pages read straight from an index of the published copies,
-- in the order they are served (newest asset first, or newest publish first), instead
-- of joining and sorting every copy published in the environment.
--
-- An asset's `created_at` never changes (a restore, a snapshot and a seed put back the
-- same value), so each publish record carries a copy of it: a publish writes it with
-- the record, and a trigger sets it from the live asset for a path that copies records
-- without it (a snapshot taken before this migration).
alter table publish_records add column asset_created_at text;

update publish_records set asset_created_at = (
    select a.created_at from assets a
    where a.stack_api_key = publish_records.stack_api_key and a.uid = publish_records.asset_uid
);

create trigger publish_records_created_at after insert on publish_records
when new.asset_created_at is null
begin
    update publish_records set asset_created_at = (
        select a.created_at from assets a
        where a.stack_api_key = new.stack_api_key and a.uid = new.asset_uid
    )
    where rowid = new.rowid;
end;

create index publish_records_by_created on publish_records
    (stack_api_key, environment_uid, asset_created_at, asset_uid, locale);
create index publish_records_by_published on publish_records
    (stack_api_key, environment_uid, published_at, asset_uid, locale);
