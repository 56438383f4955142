-- 8.0 data upgrade, schema sync: currencies, invoice currency, split customer name columns.
CREATE TABLE IF NOT EXISTS currencies (code TEXT PRIMARY KEY, name TEXT NOT NULL, decimals INTEGER NOT NULL);
INSERT OR IGNORE INTO currencies VALUES ('USD', 'US dollar', 2), ('EUR', 'Euro', 2),
  ('GBP', 'Pound sterling', 2), ('JPY', 'Yen', 0);
ALTER TABLE customers ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
-- Every 7.3 invoice was in the company currency.
ALTER TABLE invoices ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
