-- 8.1 data upgrade, pre-sync: posting lines of zero (the tax line releases before 8.1 always
-- wrote) are removed; they change no balance.
DELETE FROM posting_lines WHERE amount_cents = 0;
