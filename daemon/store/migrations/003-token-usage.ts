// Issue 12: API tokens can be listed (with when each was last used) and revoked one by one.
// Numbered 003: 002 belongs to another change in flight; migrate() only needs increasing numbers.
export const sql = `
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
`;
