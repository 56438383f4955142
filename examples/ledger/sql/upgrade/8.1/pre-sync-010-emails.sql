-- 8.1 data upgrade, pre-sync: customer emails become unique. Normalize them (blank -> NULL,
-- lower case, no surrounding blanks), then keep each address on its oldest customer only.
UPDATE customers SET email = NULL WHERE email IS NOT NULL AND trim(email) = '';
UPDATE customers SET email = lower(trim(email)) WHERE email <> lower(trim(email));
UPDATE customers SET email = NULL WHERE id IN (
  SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY email ORDER BY id) AS n
                  FROM customers WHERE email IS NOT NULL) WHERE n > 1);
