-- 8.1 data upgrade, post-sync: open invoices get their currency's default tax code.
UPDATE invoices SET tax_code = CASE currency WHEN 'USD' THEN 'US-STD' WHEN 'JPY' THEN 'EXEMPT' ELSE 'EU-STD' END
  WHERE tax_code IS NULL AND status = 'open';
