-- A board's notes (issue 14): what each model lacks and left out, e.g. "kling-3-pro: seed left
-- out", said when the board was made and again whenever it is reopened. A JSON array of strings.
ALTER TABLE groups ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
