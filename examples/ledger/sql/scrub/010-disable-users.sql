-- Refresh scrub: a copy must not let production users in; only the administrator stays enabled.
UPDATE users SET enabled = 0 WHERE login <> 'admin' AND enabled <> 0;
UPDATE users SET enabled = 1 WHERE login = 'admin';
