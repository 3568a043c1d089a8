// The audit log (SPEC 7): append-only, hash-chained JSON lines in <stateDir>/audit, rotated by size.
export { AuditLog, type AuditLogOptions, type AuditSyncMode, openAuditLog } from "./audit-log.js";
export type { AuditEntry } from "./entry.js";
export type { SeqHash } from "./header.js";
export { type AuditReadOptions, readAuditDir } from "./read.js";
export { type AuditProblem, type AuditVerifyResult, verifyAuditDir, verifyAuditDirAsync } from "./verify.js";
