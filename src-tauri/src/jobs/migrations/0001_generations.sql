-- One row per generation: a queue item until it succeeds, a library item after.
CREATE TABLE generations (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kyma_id          TEXT,
    status           TEXT NOT NULL,
    remote_status    TEXT,
    model            TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    duration_s       INTEGER NOT NULL,
    image_kind       TEXT NOT NULL DEFAULT 'none',
    image_source     TEXT,
    image_file       TEXT,
    image_url        TEXT,
    image_width      INTEGER,
    image_height     INTEGER,
    extra_json       TEXT,
    hold_micros      INTEGER NOT NULL,
    estimated_micros INTEGER,
    charged_micros   INTEGER,
    refunded_micros  INTEGER,
    error_kind       TEXT,
    error_message    TEXT,
    clip_file        TEXT,
    clip_bytes       INTEGER,
    created_at       TEXT NOT NULL,
    submitted_at     TEXT,
    completed_at     TEXT,
    downloaded_at    TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX generations_status ON generations(status);
CREATE INDEX generations_created ON generations(created_at);
