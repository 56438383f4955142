-- 8.1 data upgrade, schema sync: changed constraints. Posting lines may no longer be zero
-- (SQLite adds a CHECK by rebuilding the table) and customer emails are unique.
DROP TABLE IF EXISTS posting_lines_new;
CREATE TABLE posting_lines_new (id INTEGER PRIMARY KEY, posting_id INTEGER NOT NULL REFERENCES postings(id),
  account TEXT NOT NULL REFERENCES accounts(code), amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0));
INSERT INTO posting_lines_new (id, posting_id, account, amount_cents)
  SELECT id, posting_id, account, amount_cents FROM posting_lines ORDER BY id;
DROP TABLE posting_lines;
ALTER TABLE posting_lines_new RENAME TO posting_lines;
CREATE INDEX posting_lines_posting ON posting_lines(posting_id);
-- 8.1's trial balance sums per account from this covering index (a 1 GiB ledger:
-- well under a second instead of a scan of every line per account).
CREATE INDEX posting_lines_account ON posting_lines(account, amount_cents);
CREATE UNIQUE INDEX customers_email ON customers(email);
