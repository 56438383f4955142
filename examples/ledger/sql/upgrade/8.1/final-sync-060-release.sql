-- 8.1 data upgrade, final sync: the data is now at release 8.1.
UPDATE schema_version SET release = '8.1' WHERE id = 1;
