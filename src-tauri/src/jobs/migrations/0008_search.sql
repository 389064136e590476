-- Search in every script. The unicode61 index made a whole run of CJK text one token, so 夕日
-- ("sunset") was not found in 海辺の夕日、カメラがゆっくり動く. A trigram index finds any piece
-- of three characters or more, in any script (Japanese, Chinese, Korean, German compounds),
-- without regard to case or diacritics. Shorter queries are a plain substring scan, and "ss"
-- and "ß" stand for each other (library::query::Search).
DROP TRIGGER IF EXISTS generations_fts_insert;
DROP TRIGGER IF EXISTS generations_fts_delete;
DROP TRIGGER IF EXISTS generations_fts_update;
DROP TABLE IF EXISTS generations_fts;
CREATE VIRTUAL TABLE generations_search USING fts5(
    prompt, content='generations', content_rowid='id', tokenize='trigram remove_diacritics 1'
);
INSERT INTO generations_search(generations_search) VALUES ('rebuild');
CREATE TRIGGER generations_search_insert AFTER INSERT ON generations BEGIN
    INSERT INTO generations_search(rowid, prompt) VALUES (new.id, new.prompt);
END;
CREATE TRIGGER generations_search_delete AFTER DELETE ON generations BEGIN
    INSERT INTO generations_search(generations_search, rowid, prompt) VALUES ('delete', old.id, old.prompt);
END;
CREATE TRIGGER generations_search_update AFTER UPDATE OF prompt ON generations BEGIN
    INSERT INTO generations_search(generations_search, rowid, prompt) VALUES ('delete', old.id, old.prompt);
    INSERT INTO generations_search(rowid, prompt) VALUES (new.id, new.prompt);
END;
