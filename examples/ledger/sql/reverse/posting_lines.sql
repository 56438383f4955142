-- Reverse mapping, 8.x posting lines -> 7.3 posting lines: the same columns. The 8.1 data
-- upgrade removed the zero tax lines 7.3 wrote, so a line added since may carry an id that
-- a zero line still holds in the restore point; such a line takes the next free id (nothing
-- refers to a posting line by its id) and the rollback's report says so.
SELECT CASE WHEN s.ferry_op = 'insert' AND EXISTS (SELECT 1 FROM posting_lines p WHERE p.id = s.id)
            THEN (SELECT max(p.id) + 1 FROM posting_lines p) ELSE s.id END AS id,
       s.posting_id, s.account, s.amount_cents,
       CASE WHEN s.ferry_op = 'insert' AND EXISTS (SELECT 1 FROM posting_lines p WHERE p.id = s.id)
            THEN 'id ' || s.id || ' belongs to a zero tax line of the restore point: carried under the next free id'
       END AS ferry_note
FROM ferry_stage s
