-- Reverse mapping, 8.x customers -> 7.3 customers (a rollback carrying the writes made since
-- the upgrade): the name the 8.0 data upgrade split into first_name and last_name is one
-- name again. ferry stages one row at a time in ferry_stage (the 8.x columns and ferry_op)
-- and inserts, updates or deletes what this selects, by the 7.3 table's primary key.
SELECT id, TRIM(first_name || ' ' || last_name) AS name, email, created_on
FROM ferry_stage
