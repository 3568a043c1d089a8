// Every migration, in order. The database's user_version is the version of the last one applied.
import { sql as initial } from "./001-initial.js";
import { sql as mail } from "./004-mail.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: "initial", sql: initial },
  // 002 and 003 come from the branches of issues 11 and 12.
  { version: 4, name: "mail", sql: mail },
];
