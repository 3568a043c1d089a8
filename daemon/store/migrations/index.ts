// Every migration, in order. The database's user_version is the number of migrations applied.
import { sql as initial } from "./001-initial.js";
import { sql as elapsedTime } from "./002-elapsed-time.js";
import { sql as tokenUsage } from "./003-token-usage.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "elapsed-time", sql: elapsedTime },
  { version: 3, name: "token-usage", sql: tokenUsage },
];
