-- Reverse mapping, 8.1 invoices -> 7.3 invoices: 7.3 knows neither currencies nor tax codes.
-- An invoice in another currency than the company's (USD) cannot be told in 7.3: it is a
-- conflict (left out, reported and exported); a tax code is dropped with a note (the tax
-- line of its posting stays, as 7.3 posted one too).
SELECT id, number, customer_id, issued_on, amount_cents, status,
       CASE WHEN currency <> 'USD'
            THEN 'invoice in ' || currency || ': release 7.3 has no currencies, its invoices are in the company currency (USD)'
       END AS ferry_conflict,
       CASE WHEN tax_code IS NOT NULL
            THEN 'tax code ' || tax_code || ' dropped: release 7.3 has no tax codes (the posting keeps its tax line)'
       END AS ferry_note
FROM ferry_stage
