-- Refresh scrub: batch jobs of the copy must not run (they would post, mail, pay).
UPDATE batch_jobs SET status = 'on-hold' WHERE status IN ('waiting', 'executing');
