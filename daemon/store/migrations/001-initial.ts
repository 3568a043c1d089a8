// The first schema of credentials.db. Migrations are forward-only: never edit a shipped one, add
// the next file instead.

export const sql = `
-- One row: the credential generation (bumped by every reset, names the pepper file that goes
-- with it) and the last reset. compact_pending survives a crash between a reset's commit and
-- its secure-deletion steps, so the next open finishes them.
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL CHECK (generation >= 1),
  last_reset_at INTEGER,
  last_reset_reason TEXT,
  last_reset_generation INTEGER,
  compact_pending INTEGER NOT NULL DEFAULT 0 CHECK (compact_pending IN (0, 1))
);
INSERT INTO meta (id, generation) VALUES (1, 1);

-- Each hash was made with the pepper of one generation; it is useless under any other.
CREATE TABLE accounts (
  username TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  hash TEXT NOT NULL CHECK (hash LIKE '$argon2id$%'),
  generation INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
);

-- Defence in depth against a hash computed before a reset landing after it: a row may only be
-- written for the current generation.
CREATE TRIGGER accounts_generation_insert BEFORE INSERT ON accounts
WHEN NEW.generation IS NOT (SELECT generation FROM meta WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'account hash from another credential generation'); END;
CREATE TRIGGER accounts_generation_update BEFORE UPDATE OF hash, generation ON accounts
WHEN NEW.generation IS NOT (SELECT generation FROM meta WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'account hash from another credential generation'); END;

-- Tokens are stored only as SHA-256 of the random token.
CREATE TABLE sessions (
  token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
  username TEXT NOT NULL COLLATE NOCASE REFERENCES accounts (username) ON DELETE CASCADE ON UPDATE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_username ON sessions (username);

CREATE TABLE api_tokens (
  token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
  username TEXT NOT NULL COLLATE NOCASE REFERENCES accounts (username) ON DELETE CASCADE ON UPDATE CASCADE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_username ON api_tokens (username);

-- Keyed by the lower-cased name typed at login, known or not, so unknown names are limited too
-- (and cannot be told apart from known ones). No foreign key on purpose.
CREATE TABLE lockout (
  username TEXT NOT NULL PRIMARY KEY,
  failures INTEGER NOT NULL,
  lock_count INTEGER NOT NULL,
  locked_until INTEGER NOT NULL,
  lock_ms INTEGER NOT NULL,
  recent TEXT NOT NULL,
  last_failure_at INTEGER NOT NULL
);
CREATE INDEX lockout_last_failure ON lockout (last_failure_at);

-- Pending recovery state that must die with a reset (the recovery module decides what goes in).
CREATE TABLE recovery_pending (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Non-credential settings that survive resets (the argon2 calibration result).
CREATE TABLE settings (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;
