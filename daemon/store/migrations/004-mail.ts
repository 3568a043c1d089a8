// Migration 004 (issue 16): registered email addresses, forgot-password codes and the durable
// mail outbox. Addresses and codes are credentials' companions and die with every reset (see
// daemon/mail/reset-hook.ts, run inside the reset transaction); the outbox survives a reset so
// the reset's own notice still goes out.

export const sql = `
CREATE TABLE account_emails (
  username TEXT NOT NULL PRIMARY KEY COLLATE NOCASE REFERENCES accounts (username) ON DELETE CASCADE ON UPDATE CASCADE,
  -- The verified address, NULL until the first verification.
  email TEXT,
  verified_at INTEGER,
  -- An address waiting for its verification code (HMAC of the code, never the code).
  pending_email TEXT,
  pending_code_hash BLOB,
  pending_expires_at INTEGER,
  pending_tries INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One live forgot-password code per account: HMAC under a key derived from the generation's
-- pepper, so a copy of the database cannot brute-force the 40-bit code offline.
CREATE TABLE forgot_codes (
  username TEXT NOT NULL PRIMARY KEY COLLATE NOCASE REFERENCES accounts (username) ON DELETE CASCADE ON UPDATE CASCADE,
  code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- When forgot-password mails went out, for the per-account hourly limit.
CREATE TABLE forgot_sends (
  username TEXT NOT NULL COLLATE NOCASE,
  sent_at INTEGER NOT NULL
);
CREATE INDEX forgot_sends_username ON forgot_sends (username, sent_at);

CREATE TABLE mail_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX mail_outbox_next ON mail_outbox (next_at);
`;
