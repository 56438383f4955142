-- Refresh scrub: stored secrets (bank keys, gateway tokens) never leave production.
DELETE FROM secrets;
