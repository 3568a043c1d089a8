// Every migration, in order. The database's user_version is the version of the last one applied.
import { sql as initial } from "./001-initial.js";
import { sql as elapsedTime } from "./002-elapsed-time.js";
import { sql as tokenUsage } from "./003-token-usage.js";
import { sql as mail } from "./004-mail.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "elapsed-time", sql: elapsedTime },
  { version: 3, name: "token-usage", sql: tokenUsage },
  { version: 4, name: "mail", sql: mail },
];
