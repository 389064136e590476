-- The gallery (issue 4): favourites, sound, where each generation's files live, clips that
-- went missing, deletions (with undo) and forgotten records, and full-text search of prompts.
ALTER TABLE generations ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE generations ADD COLUMN has_audio INTEGER NOT NULL DEFAULT 0;
UPDATE generations SET has_audio = 1 WHERE model IN ('kling-3-pro-audio', 'seedance-2-pro', 'seedance-2-fast');
-- The library folder holding this generation's clips/ and start-images/; NULL: the app's data folder.
ALTER TABLE generations ADD COLUMN media_dir TEXT;
ALTER TABLE generations ADD COLUMN clip_missing INTEGER NOT NULL DEFAULT 0;
-- NULL, 'deleting' (in the undo window), 'trashed' (file in the OS trash) or 'forgotten'.
-- The record itself stays: the money it cost is part of the spend history.
ALTER TABLE generations ADD COLUMN removed TEXT;
ALTER TABLE generations ADD COLUMN removed_at TEXT;
CREATE INDEX generations_gallery ON generations(removed, created_at);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE generations_fts USING fts5(
    prompt, content='generations', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO generations_fts(generations_fts) VALUES ('rebuild');
CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
    INSERT INTO generations_fts(rowid, prompt) VALUES (new.id, new.prompt);
END;
CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
    INSERT INTO generations_fts(generations_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
END;
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt ON generations BEGIN
    INSERT INTO generations_fts(generations_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
    INSERT INTO generations_fts(rowid, prompt) VALUES (new.id, new.prompt);
END;
