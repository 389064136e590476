-- Groups (issue 14): a compare board (one idea × several models) or a batch (many images or
-- prompts). Every member row is written with the group in one transaction, before any POST.
-- `state` is the user's: 'running', 'paused' (queued members wait here) or 'cancelled' (members
-- never sent were dropped, uncharged; those already at Kyma finish).
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running',
    size INTEGER NOT NULL,
    hold_micros INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE generations ADD COLUMN group_id INTEGER REFERENCES groups(id);
-- The member's place in its group (a board's cell, a batch's row), from 1.
ALTER TABLE generations ADD COLUMN group_index INTEGER;
-- The user's verdict on a take: 'keep' or 'reject' (NULL: none yet). Gallery filters read it.
ALTER TABLE generations ADD COLUMN mark TEXT;
CREATE INDEX generations_group ON generations (group_id, group_index);
