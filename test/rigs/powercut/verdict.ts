// The power-cut test's judgement, kept pure so it can be tested on its own: what the VM driver
// saw after a reboot (Observation) against the state before the cut operation and the state it
// would have produced (Model). Anything that is neither, complete, is a violation; a store fault
// is reported apart (SPEC 4 allows it only for a store that lost committed data).

export type Op = "setup" | "passwd" | "credential-reset" | "factory-reset";

export interface Model {
  state: "first-boot" | "provisioned";
  generation: number;
  /** The one account's password when provisioned. */
  password: string | null;
  /** What the factory-restored configuration folder holds. */
  config: "custom" | "defaults";
}

export interface DbView {
  integrity: string;
  generation: number;
  accounts: { username: string; hashOk: boolean; generation: number }[];
  /** Sessions or tokens whose account is gone (a foreign key the cut could have broken). */
  orphans: number;
}

export interface Observation {
  started: boolean;
  startError?: string;
  status?: { state: string; generation: number; accounts: number; fault?: unknown };
  /** HTTP status of a login with each candidate password (keyed by the password). */
  logins: Record<string, number>;
  db?: DbView;
  dbError?: string;
  pepperPresent: boolean;
  factoryPending: boolean;
  /** "custom", "defaults", or what else the folder holds ("mixed: ...", "absent"). */
  config: string;
  recordingsIntact: boolean;
}

export type Verdict =
  | { kind: "old" | "new" }
  | { kind: "store-fault"; detail: string }
  | { kind: "violation"; reasons: string[] };

/** Model-free invariants: a store that breaks one of these is wrong whichever state it claims. */
export function invariantProblems(o: Observation): string[] {
  const p: string[] = [];
  if (!o.status) return p;
  if (o.db === undefined) p.push(`database unreadable: ${o.dbError ?? "?"}`);
  else {
    if (o.db.integrity !== "ok") p.push(`sqlite integrity_check: ${o.db.integrity}`);
    for (const a of o.db.accounts) if (!a.hashOk) p.push(`account ${a.username} without a valid hash`);
    if (o.db.orphans > 0) p.push(`${o.db.orphans} session/token rows without an account`);
    if (o.db.generation !== o.status.generation)
      p.push(`status generation ${o.status.generation} but database generation ${o.db.generation}`);
    if (o.status.state === "provisioned" && o.db.accounts.length === 0)
      p.push("provisioned without accounts");
    if (o.status.state === "first-boot" && o.db.accounts.length > 0) p.push("first-boot with accounts");
  }
  if (!o.pepperPresent) p.push("no pepper file for the current generation");
  if (o.factoryPending) p.push("factory-reset intent still pending after start");
  if (!o.recordingsIntact) p.push("a preserved recording changed");
  return p;
}

/** How the observation differs from one model (empty: it is that model, complete). */
export function differences(o: Observation, m: Model, user: string): string[] {
  const d: string[] = [];
  const s = o.status;
  if (!s) return ["no status"];
  if (s.state !== m.state) d.push(`state ${s.state} (expected ${m.state})`);
  if (s.generation !== m.generation) d.push(`generation ${s.generation} (expected ${m.generation})`);
  if (o.config !== m.config) d.push(`config ${o.config} (expected ${m.config})`);
  for (const [pw, code] of Object.entries(o.logins)) {
    const shouldWork = m.state === "provisioned" && pw === m.password;
    if (shouldWork && code !== 200) d.push(`login with its password answered ${code}`);
    if (!shouldWork && code === 200) d.push("login with a password of another state succeeded");
  }
  if (m.state === "provisioned" && m.password !== null && !(m.password in o.logins))
    d.push("its password was not tried");
  const names = o.db?.accounts.map((a) => a.username) ?? [];
  const want = m.state === "provisioned" ? [user] : [];
  if (names.join(",") !== want.join(","))
    d.push(`accounts [${names.join(",")}] (expected [${want.join(",")}])`);
  return d;
}

export function judge(o: Observation, old: Model, next: Model, user: string): Verdict {
  if (!o.started || !o.status)
    return { kind: "violation", reasons: [`daemon did not start: ${o.startError ?? "?"}`] };
  if (o.status.fault !== undefined) return { kind: "store-fault", detail: JSON.stringify(o.status.fault) };
  const inv = invariantProblems(o);
  const dOld = differences(o, old, user);
  const dNew = differences(o, next, user);
  if (inv.length === 0 && dOld.length === 0) return { kind: "old" };
  if (inv.length === 0 && dNew.length === 0) return { kind: "new" };
  const closer = dNew.length < dOld.length ? { name: "new", d: dNew } : { name: "old", d: dOld };
  return { kind: "violation", reasons: [...inv, ...closer.d.map((x) => `vs ${closer.name}: ${x}`)] };
}

/** The state an operation produces from `m` when it completes. */
export function apply(m: Model, op: Op, newPassword: string): Model {
  switch (op) {
    case "setup":
      return { ...m, state: "provisioned", password: newPassword };
    case "passwd":
      return { ...m, password: newPassword };
    case "credential-reset":
      return { ...m, state: "first-boot", password: null, generation: m.generation + 1 };
    case "factory-reset":
      return { state: "first-boot", password: null, generation: m.generation + 1, config: "defaults" };
  }
}

/** The state a factory-reset operation starts from: the driver writes a custom config first. */
export function beforeOp(m: Model, op: Op): Model {
  return op === "factory-reset" ? { ...m, config: "custom" } : m;
}
