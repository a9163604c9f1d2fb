-- The title index merges its segments when 16 of a level have piled up, not 4 (FTS5's
-- default). A write transaction that touches titles several times (a bulk delete, a
-- group of uploads) adds one small segment per statement; merging every 4 of them cost
-- a third of a bulk delete's time. Queries read a few more segments instead.
insert into asset_titles (asset_titles, rank) values ('automerge', 16);
