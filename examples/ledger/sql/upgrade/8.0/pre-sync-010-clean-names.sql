-- 8.0 data upgrade, pre-sync: clean customer names before they are split
-- (blanks at either end and doubled blanks were accepted by 7.3 data entry).
UPDATE customers SET name = trim(name) WHERE name <> trim(name);
UPDATE customers SET name = replace(name, '  ', ' ') WHERE instr(name, '  ') > 0;
UPDATE customers SET name = replace(name, '  ', ' ') WHERE instr(name, '  ') > 0;
UPDATE customers SET name = replace(name, '  ', ' ') WHERE instr(name, '  ') > 0;
