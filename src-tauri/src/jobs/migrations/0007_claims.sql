-- Who runs an open job now (issue 15), when processes share a library: the app, `kyma resume`,
-- a second CLI. One row per claimed generation: the holder (a process's own id) and the lease's
-- end in Unix milliseconds. A process sends, polls or downloads a job only while it holds the
-- claim; it renews its leases while it runs; a killed holder's claim lapses with its lease.
CREATE TABLE claims (
    generation_id INTEGER PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until_ms INTEGER NOT NULL
);
CREATE INDEX claims_holder ON claims (holder);
