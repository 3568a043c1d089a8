// The SMTP relay through nodemailer, built from the `mail` configuration. The relay password is
// read once from its file (or systemd credential) and only ever handed to nodemailer.
import { readFileSync } from "node:fs";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../errors.js";

export type MailConfig = NonNullable<Config["mail"]>;

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface MailTransport {
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function readRelayPassword(cfg: MailConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (!cfg.passwordFile) return undefined;
  // A bare name is a systemd credential (LoadCredential=) when CREDENTIALS_DIRECTORY is set.
  const file =
    !cfg.passwordFile.includes("/") && env.CREDENTIALS_DIRECTORY
      ? `${env.CREDENTIALS_DIRECTORY}/${cfg.passwordFile}`
      : cfg.passwordFile;
  try {
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    throw new ConfigError(
      "mail.passwordFile",
      cfg.passwordFile,
      `cannot be read (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}

// nodemailer (about a third of the bundle) is loaded with the first mail, not at start: READY
// does not need it (issue 14). The promise is shared so the module loads once.
let nodemailerModule: Promise<typeof import("nodemailer")> | undefined;
const loadNodemailer = () => {
  nodemailerModule ??= import("nodemailer");
  return nodemailerModule;
};

/** Loads nodemailer in the background (after READY), so the first mail does not wait for it. */
export function warmNodemailer(): void {
  loadNodemailer().catch(() => {});
}

export function createSmtpTransport(cfg: MailConfig, env: NodeJS.ProcessEnv): MailTransport {
  const pass = readRelayPassword(cfg, env);
  let ca: Buffer | undefined;
  if (cfg.caFile) {
    try {
      ca = readFileSync(cfg.caFile);
    } catch (err) {
      throw new ConfigError(
        "mail.caFile",
        cfg.caFile,
        `cannot be read (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  }
  const options = {
    host: cfg.host,
    port: cfg.port,
    secure: cfg.tls === "implicit",
    // STARTTLS is required, never optional: a relay that does not offer it is refused rather
    // than sent a code in clear text.
    requireTLS: cfg.tls === "starttls",
    ignoreTLS: cfg.tls === "none",
    auth: cfg.user ? { user: cfg.user, pass: pass ?? "" } : undefined,
    tls: ca ? { ca } : {},
    connectionTimeout: cfg.timeoutMs,
    greetingTimeout: cfg.timeoutMs,
    socketTimeout: cfg.timeoutMs,
    logger: false,
    debug: false,
  };
  let transport: ReturnType<typeof import("nodemailer")["createTransport"]> | undefined;
  return {
    async send(mail) {
      transport ??= (await loadNodemailer()).default.createTransport(options);
      await transport.sendMail({ from: cfg.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close() {
      transport?.close();
    },
  };
}
