-- 8.1 data upgrade, schema sync: tax codes and the invoice tax code.
CREATE TABLE IF NOT EXISTS tax_codes (code TEXT PRIMARY KEY, description TEXT NOT NULL,
  rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000));
INSERT OR IGNORE INTO tax_codes VALUES ('EXEMPT', 'Exempt', 0), ('US-STD', 'US standard', 700),
  ('EU-STD', 'EU standard', 2000), ('EU-RED', 'EU reduced', 900);
ALTER TABLE invoices ADD COLUMN tax_code TEXT REFERENCES tax_codes(code);
