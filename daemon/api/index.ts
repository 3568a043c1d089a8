// Public surface of the API module for daemon/main.ts.
export type {
  ApiDeps,
  AuditApi,
  AuditEntryView,
  AuditVerifyView,
  Awaitable,
  ChallengeView,
  RecoveryApi,
  ResetGrantDoc,
  ResetRequestDoc,
  ResetRequestView,
} from "./deps.js";
export { type ApiServer, type ApiServerOptions, startApiServer } from "./server.js";
