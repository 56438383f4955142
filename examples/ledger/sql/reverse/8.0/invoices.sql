-- Reverse mapping, 8.0 invoices -> 7.3 invoices: 7.3 knows no currencies. An invoice in
-- another currency than the company's (USD) cannot be told in 7.3: it is a conflict (left
-- out, reported and exported).
SELECT id, number, customer_id, issued_on, amount_cents, status,
       CASE WHEN currency <> 'USD'
            THEN 'invoice in ' || currency || ': release 7.3 has no currencies, its invoices are in the company currency (USD)'
       END AS ferry_conflict
FROM ferry_stage
