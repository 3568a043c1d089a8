// Faults the daemon runs degraded with (SPEC 4, issue 11): the credential store, the factory data,
// a socket that cannot be created. Each is named in GET /v1/status, shown on the LED while any is
// active, audited and logged once when it starts and when it clears.
import type { RecoveryApi } from "./api/deps.js";
import { RecoverydError } from "./errors.js";
import type { FactoryData } from "./recovery/factory-data.js";
import { loadFactoryData } from "./recovery/factory-data.js";

export interface Fault {
  code: string;
  message: string;
}

export class FaultSet {
  private readonly active = new Map<string, string>();

  constructor(
    private readonly onChange: (first: Fault | null, change: { code: string; on: boolean }) => void,
  ) {}

  set(code: string, message: string): void {
    const had = this.active.has(code);
    this.active.set(code, message);
    if (!had) this.onChange(this.first(), { code, on: true });
  }

  clear(code: string): void {
    if (this.active.delete(code)) this.onChange(this.first(), { code, on: false });
  }

  list(): Fault[] {
    return [...this.active].map(([code, message]) => ({ code, message }));
  }

  private first(): Fault | null {
    return this.list()[0] ?? null;
  }
}

/**
 * Factory data for the daemon: a file that is configured but missing, or unreadable, or garbled,
 * is a named fault (never silently "no factory data", never an exit). Without a configured path
 * the device simply has none.
 */
export function readFactoryData(file: string | undefined): {
  factory: FactoryData | null;
  fault: Fault | null;
} {
  if (!file) return { factory: null, fault: null };
  try {
    const factory = loadFactoryData(file);
    if (factory) return { factory, fault: null };
    return {
      factory: null,
      fault: { code: "factory-data-missing", message: `factory data file ${file} does not exist` },
    };
  } catch (err) {
    return { factory: null, fault: { code: "factory-data-invalid", message: (err as Error).message } };
  }
}

/** The remote recovery paths refuse with a stable 503 while the factory data they need is broken. */
export function factoryFaultRecovery(fault: Fault): RecoveryApi {
  const refuse = (): never => {
    throw new RecoverydError(
      "factory_data_unavailable",
      503,
      `${fault.message}: remote recovery needs the factory data; the reset button still works`,
    );
  };
  return {
    securityCodeReset: refuse,
    createChallenge: refuse,
    unlock: refuse,
    resetRequest: refuse,
    applyGrant: refuse,
    liveResetRequest: refuse,
    offeredPaths: () => ["button"],
  };
}
