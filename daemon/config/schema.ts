// The one schema of recoveryd.json. Every key has a default, so an empty object is a valid
// configuration (the simulated board with a local state directory).
import * as z from "zod";

const gpioLine = z
  .object({
    /** Line offset on the chip (0-based), NOT the global sysfs number: the chip base is added. */
    line: z.number().int().min(0).max(1023),
    /** Board "gpiod": find the line by its name on the chip instead (then `line` is not used). */
    name: z.string().min(1).max(31).optional(),
    activeLow: z.boolean().default(false),
  })
  .strict();

// A reset button is normally wired to ground with a pull-up: active-low unless told otherwise.
const buttonLine = gpioLine
  .extend({
    activeLow: z.boolean().default(true),
    bias: z.enum(["pull-up", "pull-down", "none"]).default("pull-up"),
    /** Board "gpiod": debounce in the kernel as well (0 = off; the press engine always debounces). */
    kernelDebounceMs: z.number().int().min(0).max(500).default(0),
  })
  .strict();

const mailSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    tls: z.enum(["starttls", "implicit", "none"]).default("starttls"),
    from: z.string().min(3).max(254),
    user: z.string().min(1).optional(),
    /** The relay password is read from this file (or a systemd credential), never from here. */
    passwordFile: z.string().min(1).optional(),
    /** PEM bundle the relay's certificate must chain to (instead of the system store). */
    caFile: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(500).max(120000).default(15000),
    /** First retry after this long, doubling up to an hour; a mail is dropped after giveUpHours. */
    retrySeconds: z.number().int().min(1).max(3600).default(60),
    giveUpHours: z.number().int().min(1).max(168).default(24),
    /** Opt-out per kind of notice. */
    notify: z
      .object({
        setup: z.boolean().default(true),
        reset: z.boolean().default(true),
        passwordChange: z.boolean().default(true),
        lockout: z.boolean().default(true),
        email: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    weeklyReport: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    board: z.enum(["sim", "onoff", "gpiod"]).default("sim"),
    /** Databases, pepper, audit log. Env RECOVERYD_STATE_DIR / STATE_DIRECTORY win over it. */
    stateDir: z.string().min(1).optional(),
    /** Sockets. Env RECOVERYD_RUNTIME_DIR / RUNTIME_DIRECTORY win over it. */
    runtimeDir: z.string().min(1).optional(),
    /** Factory data file. Env RECOVERYD_FACTORY wins over it. */
    factoryPath: z.string().min(1).optional(),
    sim: z
      .object({
        /** Simulated button held down at boot (tests a boot hold / stuck button). */
        buttonInitiallyPressed: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    gpio: z
      .object({
        /** sysfs gpiochip label (e.g. "pinctrl-bcm2711"); the first chip when absent. */
        chipLabel: z.string().min(1).optional(),
        button: buttonLine.prefault({ line: 17, activeLow: true }),
        led: gpioLine.prefault({ line: 27 }),
        buzzer: gpioLine.optional(),
        /** Board "gpiod": path of the recoveryd-gpio helper (default: the one built beside the daemon). */
        helper: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    button: z
      .object({
        debounceMs: z.number().int().min(1).max(500).default(30),
        /** Holds shorter than this are a short press. */
        shortMaxMs: z.number().int().min(100).default(2000),
        credentialMs: z.number().int().default(5000),
        factoryMs: z.number().int().default(15000),
        stuckMs: z.number().int().default(30000),
        /** Time after release in which the confirming short press must come. */
        confirmWindowMs: z.number().int().min(1000).max(60000).default(10000),
        /** How long the "done" rapid flash lasts after an action. */
        doneFlashMs: z.number().int().min(500).max(10000).default(3000),
      })
      .strict()
      .prefault({}),
    setupWindow: z
      .object({
        minutes: z.number().int().min(1).max(240).default(15),
        /** Opt-in: open the window at start, only on a store that never had an owner (SPEC 4). */
        openAtBoot: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    password: z
      .object({
        minLength: z.number().int().min(8).max(64).default(15),
        /** The strength estimator's floor: log10 of the guesses (10 = 10^10); 0 turns it off. */
        minGuessesLog10: z.number().min(0).max(30).default(10),
      })
      .strict()
      .prefault({}),
    argon2: z
      .object({
        memoryKiB: z.number().int().min(19456).max(1048576).default(19456),
        timeCost: z.number().int().min(2).max(20).default(2),
        parallelism: z.number().int().min(1).max(8).default(1),
        /** When true, memory/time are raised at start until a verify takes about targetVerifyMs. */
        calibrate: z.boolean().default(false),
        targetVerifyMs: z.number().int().min(20).max(5000).default(250),
        /** Hashes running at once; the rest queue (bounded) or get 429. */
        maxConcurrent: z.number().int().min(1).max(16).default(1),
        maxQueue: z.number().int().min(0).max(1000).default(32),
      })
      .strict()
      .prefault({}),
    lockout: z
      .object({
        threshold: z.number().int().min(1).max(100).default(5),
        baseSeconds: z.number().int().min(1).default(300),
        maxSeconds: z.number().int().min(1).default(3600),
        maxFailuresPerHour: z.number().int().min(1).max(100).default(100),
        /** Lockout rows kept (known and unknown names alike); the oldest go beyond it. */
        maxTrackedNames: z.number().int().min(16).max(100000).default(1024),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        ttlMinutes: z.number().int().min(1).max(10080).default(480),
        tokenTtlDays: z.number().int().min(1).max(3650).default(90),
        /** The longest lifetime a caller may ask for; longer requests are refused. */
        tokenMaxTtlDays: z.number().int().min(1).max(3650).default(365),
        /** Live API tokens per account; one more is refused (409 token_limit). */
        maxTokensPerAccount: z.number().int().min(1).max(1000).default(20),
      })
      .strict()
      .prefault({}),
    recovery: z
      .object({
        challengeTtlSeconds: z.number().int().min(60).max(86400).default(3600),
        challengeMinIntervalSeconds: z.number().int().min(1).max(3600).default(10),
        challengeTries: z.number().int().min(1).max(10).default(3),
        grantMaxHours: z.number().int().min(1).max(48).default(48),
        /** Folder where a USB stick is mounted: grants dropped there are applied, requests written there. */
        usbDir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    factoryReset: z
      .object({
        /** Each configured path is replaced by a copy of `from` (factory defaults). */
        restore: z.array(z.object({ path: z.string().min(1), from: z.string().min(1) }).strict()).default([]),
        /** Never written by a reset (recordings). A restore path may not overlap one. */
        preserve: z.array(z.string().min(1)).default([]),
        /** Run after a factory reset completes (e.g. ["systemctl", "reboot"]). */
        afterCommand: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Outgoing mail (issue 16): forgot-password codes and notices. Absent: no mail at all. */
    mail: mailSchema.optional(),
    audit: z
      .object({
        maxFileBytes: z.number().int().min(4096).default(1048576),
        keepFiles: z.number().int().min(1).max(100).default(8),
        /** The security log (setup, resets, lockouts, account changes, recovery outcomes). */
        security: z
          .object({
            maxFileBytes: z.number().int().min(4096).default(1048576),
            keepFiles: z.number().int().min(1).max(100).default(8),
          })
          .strict()
          .prefault({}),
        /** Repeated failures are merged per window; each category writes at most perCategory distinct entries. */
        noise: z
          .object({
            windowSeconds: z.number().int().min(1).max(86400).default(60),
            perCategory: z.number().int().min(1).max(1000).default(20),
            securityWindowSeconds: z.number().int().min(1).max(86400).default(3600),
            securityPerCategory: z.number().int().min(1).max(1000).default(10),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        socketMode: z
          .string()
          .regex(/^0?[0-7]{3}$/, "an octal file mode such as 0660")
          .default("0660"),
        maxConnections: z.number().int().min(1).max(1024).default(64),
        maxBodyBytes: z.number().int().min(1024).max(1048576).default(16384),
        headersTimeoutMs: z.number().int().min(100).max(60000).default(5000),
        requestTimeoutMs: z.number().int().min(100).max(120000).default(10000),
        idleTimeoutMs: z.number().int().min(100).max(600000).default(5000),
        /** A comment line on each open event stream, so a proxy or NAT does not cut it. */
        eventHeartbeatMs: z.number().int().min(100).max(600000).default(25000),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info") })
      .strict()
      .prefault({}),
    /** Test-only hooks, all off by default. */
    testing: z
      .object({
        /** Allow SIGUSR2 to block the event loop forever (proves the watchdog works). */
        stallOnSigusr2: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ButtonConfig = Config["button"];
