// The texts of every mail. Pure. A mail carries at most a one-time code, never a password, a
// token or a link that logs in.
import type { ResetReason } from "../services.js";

export interface Device {
  deviceId?: string | undefined;
  model?: string | undefined;
}

const name = (d: Device) => [d.model, d.deviceId].filter(Boolean).join(" ") || "your recorder";
const footer = (d: Device) =>
  `\n\n-- \nSent by recoveryd on ${name(d)}. This mail holds no password; recoveryd never mails one.\n`;

export function forgotCodeMail(d: Device, username: string, code: string, minutes: number) {
  return {
    subject: `Password reset code for ${name(d)}`,
    body: `Someone asked to reset the password of the account "${username}" on ${name(d)}.\n\nYour one-time code: ${code}\n\nIt is valid for ${minutes} minutes and for 5 tries. If you did not ask for it, ignore this mail: your password stays as it is.${footer(d)}`,
  };
}

export function verifyCodeMail(d: Device, username: string, code: string, minutes: number) {
  return {
    subject: `Confirm your email address for ${name(d)}`,
    body: `This address was registered for password recovery of the account "${username}" on ${name(d)}.\n\nVerification code: ${code}\n\nIt is valid for ${minutes} minutes. If this was not you, ignore this mail.${footer(d)}`,
  };
}

export function addressChangeMail(d: Device, username: string, newAddress: string) {
  return {
    subject: `Recovery email change requested on ${name(d)}`,
    body: `A new recovery address (${newAddress}) was requested for the account "${username}" on ${name(d)}. This address keeps receiving notices until the new one is verified. If this was not you, change the account's password now.${footer(d)}`,
  };
}

export function resetNoticeBody(d: Device) {
  return (reason: ResetReason, at: number, generation: number) =>
    `The credentials of ${name(d)} were reset (${reason}) at ${new Date(at).toISOString()}; credential generation ${generation}.\n\nEvery account, session and token is gone and every registered recovery address (this one too) was removed: set up the recorder again and register an address again. Recordings and settings are untouched.${footer(d)}`;
}

export const resetNoticeSubject = (d: Device) => `Credentials reset on ${name(d)}`;

export function noticeMail(d: Device, kind: string, fields: Record<string, unknown>) {
  const who = typeof fields.username === "string" ? `"${fields.username}"` : "an account";
  const text: Record<string, [string, string]> = {
    setup: ["Recorder set up", `The recorder was set up: admin ${who} was created.`],
    "password-changed": [
      "Password changed",
      `The password of ${who} was changed${fields.by === "forgot-code" ? " with a code mailed to its recovery address" : ""}. Every other session of it was ended.`,
    ],
    lockout: [
      "Account locked",
      `${who} was locked for ${String(fields.seconds)} s after repeated wrong passwords.`,
    ],
    "email-verified": [
      "Recovery address verified",
      `This address now receives password recovery codes for ${who}.`,
    ],
    test: ["Test mail", "This is a test mail: recoveryd can reach you."],
  };
  const [title, line] = text[kind] ?? ["Notice", kind];
  return {
    subject: `${title} on ${name(d)}`,
    body: `${line}\n\nTime: ${new Date().toISOString()}${footer(d)}`,
  };
}

export function weeklyReportMail(d: Device, lines: readonly string[]) {
  return { subject: `Weekly status of ${name(d)}`, body: `${lines.join("\n")}${footer(d)}` };
}
