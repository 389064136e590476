-- The shot's options (issue 13): what the user chose, kept with each generation so "Again" and
-- "Use these settings" restore it, and the gallery can show and filter it. `extra_json` stays
-- the exact `extra` sent (without the end frame's link, which is made at each POST).
ALTER TABLE generations ADD COLUMN aspect TEXT;
ALTER TABLE generations ADD COLUMN negative_prompt TEXT;
ALTER TABLE generations ADD COLUMN cfg_scale REAL;
ALTER TABLE generations ADD COLUMN seed INTEGER;
-- The end frame travels like the start image: 'none', 'file' (a prepared JPEG in start-images/)
-- or 'url' (an https link passed through); `end_image_param` is the `extra` key it goes under.
ALTER TABLE generations ADD COLUMN end_image_kind TEXT NOT NULL DEFAULT 'none';
ALTER TABLE generations ADD COLUMN end_image_source TEXT;
ALTER TABLE generations ADD COLUMN end_image_file TEXT;
ALTER TABLE generations ADD COLUMN end_image_url TEXT;
ALTER TABLE generations ADD COLUMN end_image_width INTEGER;
ALTER TABLE generations ADD COLUMN end_image_height INTEGER;
ALTER TABLE generations ADD COLUMN end_image_param TEXT;
-- Takes made together share a group; take_index counts from 1.
ALTER TABLE generations ADD COLUMN take_group TEXT;
ALTER TABLE generations ADD COLUMN take_index INTEGER;
-- The clip's frame size, read from the file once downloaded (the gallery's shape filter).
ALTER TABLE generations ADD COLUMN clip_width INTEGER;
ALTER TABLE generations ADD COLUMN clip_height INTEGER;
