-- Every live asset's title as trigrams, so that a `$regex` on titles tests the pattern
-- only on the rows that contain the pieces of text every match must contain
-- (`contentstack/literals.rs`), not on every row of the stack. Rows are the assets'
-- own rowids; nothing but the trigrams is stored. Triggers keep it in step with
-- `assets`, as they keep `asset_tags`.
create virtual table asset_titles using fts5(
    title,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

create trigger asset_titles_on_insert after insert on assets begin
    insert into asset_titles (rowid, title) values (new.rowid, new.title);
end;

create trigger asset_titles_on_update after update of title on assets
when old.title is not new.title
begin
    delete from asset_titles where rowid = old.rowid;
    insert into asset_titles (rowid, title) values (new.rowid, new.title);
end;

create trigger asset_titles_on_delete after delete on assets begin
    delete from asset_titles where rowid = old.rowid;
end;

insert into asset_titles (rowid, title) select rowid, title from assets;
