-- How many POSTs were ever started for the row: only a first POST that never reached Kyma
-- (or that Kyma refused) may end a job as "rejected"; after that a paid job may exist.
ALTER TABLE generations ADD COLUMN post_attempts INTEGER NOT NULL DEFAULT 0;
