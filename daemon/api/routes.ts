// Every route of the v1 API (SPEC 8.1), in one list so the whole surface is visible at a glance.
import type { Route } from "./router.js";
import { auditRoutes } from "./routes/audit.js";
import { backupRoutes } from "./routes/backup.js";
import { type EventStreams, eventRoutes } from "./routes/events.js";
import { mailRoutes } from "./routes/mail.js";
import { openApiRoutes } from "./routes/openapi.js";
import { recoveryRoutes } from "./routes/recovery.js";
import { sessionRoutes } from "./routes/session.js";
import { statusRoutes } from "./routes/status.js";
import { userRoutes } from "./routes/users.js";

export function allRoutes(streams: EventStreams): Route[] {
  return [
    ...statusRoutes(),
    ...sessionRoutes(),
    ...userRoutes(),
    ...recoveryRoutes(),
    ...mailRoutes(),
    ...backupRoutes(),
    ...auditRoutes(),
    ...eventRoutes(streams),
    ...openApiRoutes(),
  ];
}
