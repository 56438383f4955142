-- fabrikam-tax post-install: the ISV's regional tax rules (idempotent).
CREATE TABLE IF NOT EXISTS fabrikam_tax_rules (id INTEGER PRIMARY KEY, region TEXT NOT NULL UNIQUE,
  rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000));
INSERT OR IGNORE INTO fabrikam_tax_rules (id, region, rate_bp) VALUES
  (1, 'US-WA', 650), (2, 'US-NY', 400), (3, 'DE', 1900), (4, 'FR', 2000), (5, 'JP', 1000);
