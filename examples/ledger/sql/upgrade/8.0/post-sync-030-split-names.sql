-- 8.0 data upgrade, post-sync: backfill first_name/last_name from name (first word, the rest),
-- then drop name. A one-word name (a company) becomes the first name.
UPDATE customers SET
  first_name = CASE WHEN instr(name, ' ') > 0 THEN substr(name, 1, instr(name, ' ') - 1) ELSE name END,
  last_name  = CASE WHEN instr(name, ' ') > 0 THEN substr(name, instr(name, ' ') + 1) ELSE '' END;
ALTER TABLE customers DROP COLUMN name;
