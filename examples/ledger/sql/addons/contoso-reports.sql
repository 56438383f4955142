-- contoso-reports post-install: Contoso's report definitions (an extension; idempotent).
CREATE TABLE IF NOT EXISTS contoso_report_definitions (name TEXT PRIMARY KEY, title TEXT NOT NULL,
  source TEXT NOT NULL);
INSERT OR IGNORE INTO contoso_report_definitions VALUES
  ('aging', 'Open invoices by age', 'invoices'),
  ('revenue-by-month', 'Revenue by month', 'posting_lines'),
  ('top-customers', 'Top customers by invoiced amount', 'invoices');
