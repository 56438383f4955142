-- Refresh scrub: no outgoing mail from the copy.
UPDATE mail_settings SET smtp_host = NULL, smtp_port = NULL, sender = NULL, enabled = 0;
