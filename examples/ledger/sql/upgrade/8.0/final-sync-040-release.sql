-- 8.0 data upgrade, final sync: the data is now at release 8.0.
UPDATE schema_version SET release = '8.0' WHERE id = 1;
