// Elapsed time and claim protection (issue 11): lock and session starts carry the monotonic clock
// and the kernel's boot id, so wall-clock jumps cannot stretch or shorten them; setup tokens of a
// remote reset are kept (as hashes) so a restart does not take them from their caller.

export const sql = `
ALTER TABLE lockout ADD COLUMN locked_at_mono REAL NOT NULL DEFAULT 0;
ALTER TABLE lockout ADD COLUMN lock_boot_id TEXT NOT NULL DEFAULT '';

ALTER TABLE sessions ADD COLUMN created_mono REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';

-- One-time setup tokens handed to the caller of a remote reset. Only the SHA-256 is stored; a
-- reset or a setup deletes them all.
CREATE TABLE setup_tokens (
  token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
  issued_at INTEGER NOT NULL,
  issued_mono REAL NOT NULL,
  boot_id TEXT NOT NULL,
  ttl_ms INTEGER NOT NULL
) WITHOUT ROWID;
`;
