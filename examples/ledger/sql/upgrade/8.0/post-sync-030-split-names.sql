-- 8.0 data upgrade, post-sync: backfill first_name/last_name from name (first word, the rest),
-- then drop name. A one-word name (a company) becomes the first name.
-- Portable SQL (SQLite and PostgreSQL): ltrim(name, <the name's own letters but blanks>) is
-- the name from its first blank on ('' when it has none).
UPDATE customers SET
  first_name = substr(name, 1, length(name) - length(ltrim(name, replace(name, ' ', '')))),
  last_name  = substr(ltrim(name, replace(name, ' ', '')), 2);
ALTER TABLE customers DROP COLUMN name;
