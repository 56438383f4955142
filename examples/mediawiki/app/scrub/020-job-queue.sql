-- Scrub: production's pending jobs (emails, link updates) never run in the copy.
DELETE FROM job;
