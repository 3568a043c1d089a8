// --help texts. Each command's text names its arguments, flags, where secrets come from and the
// exit codes, so a technician at a shell needs no other manual.

const EXIT_CODES = "Exit codes: 0 ok, 1 refused, 2 usage error, 3 daemon unreachable.";
const GLOBAL =
  "Global options: --json (print the API's JSON), --socket PATH, --token TOKEN, --help.\n" +
  "The daemon is found through --socket, RECOVERYD_SOCKET, $RECOVERYD_RUNTIME_DIR/api.sock,\n" +
  "./.recoveryd/run/api.sock (npm start) or /run/recoveryd/api.sock (systemd).";
const SECRETS =
  "Secrets are read from the terminal without echo, or one per line from stdin when stdin is not a terminal.";
const SESSION =
  "Needs a session: --token, RECOVERYD_TOKEN, or the file written by `recoveryctl login`\n" +
  "($XDG_RUNTIME_DIR/recoveryctl/<socket hash>.token or ~/.recoveryctl/<socket hash>.token, one per daemon).";

export const HELP: Record<string, string> = {
  status: `usage: recoveryctl status

Shows the credential state (first-boot or provisioned), the generation, the setup window,
locked accounts with the recovery paths this device offers, and the last reset.`,

  setup: `usage: recoveryctl setup USERNAME [--security-code] [--setup-token]

Creates the first admin of a recorder in first-boot state. Works while the setup window is open
(after a button reset or a short press), with the device security code (--security-code: asked
for), or with the one-time setup token of a remote recovery (saved automatically by
\`recoveryctl recover ...\`, or --setup-token to type it; RECOVERYD_SETUP_TOKEN also works).
Asks for the new password (twice on a terminal). ${SECRETS}
On stdin the order is: security code or setup token, then the password.`,

  login: `usage: recoveryctl login USERNAME [--no-save]

Logs in and saves the session token (mode 0600) to $XDG_RUNTIME_DIR/recoveryctl/<hash>.token or
~/.recoveryctl/<hash>.token (<hash>: of the socket path, so each daemon keeps its own session),
where the admin commands find it. --no-save prints the token instead.
${SECRETS}`,

  logout: `usage: recoveryctl logout

Ends the session and removes the saved token file. ${SESSION}`,

  passwd: `usage: recoveryctl passwd

Changes the password of the logged-in user: asks for the current one, then the new one.
${SESSION}
${SECRETS}`,

  users: `usage: recoveryctl users [list]
       recoveryctl users add USERNAME --role admin|operator|viewer
       recoveryctl users delete USERNAME

Lists, adds or deletes accounts (admins only). \`add\` asks for the new user's password.
${SESSION}`,

  token: `usage: recoveryctl token create NAME [--ttl-days N]
       recoveryctl token list [--user NAME]
       recoveryctl token revoke ID

create makes an API token for scripts and apps (admins only); it is shown once. list shows your
tokens (id, name, created, last used, expiry; never the secret; --user for an admin). revoke ends
one by its id. A password change revokes every token of the account.
${SESSION}`,

  recover: `usage: recoveryctl recover security-code
       recoveryctl recover challenge
       recoveryctl recover unlock [CODE]
       recoveryctl recover request [--usb] [--out FILE]
       recoveryctl recover grant FILE|-
       recoveryctl recover forgot USERNAME
       recoveryctl recover forgot-confirm USERNAME [CODE]

Ways back into a recorder nobody can log in to. Each reset wipes every account, session and
token (recordings stay) and answers with a one-time setup token, saved where
\`recoveryctl setup\` finds it:
  security-code  the code on the recorder's sticker (asked for)
  challenge      a challenge to read to support; they answer with an 8-character unlock code
  unlock         applies support's unlock code (asked for when not given)
  request        exports a signed-reset request for support (--usb: also to the USB stick,
                 --out FILE: write the request document to FILE)
  grant          applies the signed grant file support sent back
  forgot         mails a one-time code to the account's verified recovery address (the
                 answer is the same whether or not the account or an address exists)
  forgot-confirm sets a new password with that code (asked for when not given), ending every
                 session and token of the account; 5 wrong codes kill the code`,

  email: `usage: recoveryctl email [show]
       recoveryctl email set ADDRESS
       recoveryctl email verify [CODE]
       recoveryctl email test

The recovery address of the logged-in admin: \`set\` asks for your password and mails a
verification code to ADDRESS (the old address is told); \`verify\` confirms it; \`test\` queues a
test mail. Resets, setups, password changes and lockouts are notified to verified addresses.
${SESSION}`,

  backup: `usage: recoveryctl backup export [--to PATH] [--passphrase-file FILE | --recipient age1...]
       recoveryctl backup inspect PATH [--passphrase-file FILE | --identity FILE]
       recoveryctl backup restore PATH [--passphrase-file FILE | --identity FILE]

Saves or restores the recorder's configuration (the factory reset's restore paths: recording
schedules, network, device settings) as an age-encrypted file; never credentials or recordings.
  export   writes to PATH (a file or a folder), by default the USB stick's folder
  inspect  shows what a backup holds (decrypted here; no daemon needed)
  restore  checks the model and every hash, then applies everything or nothing (admins)
Without --passphrase-file, --recipient or --identity the passphrase is asked for.
${SESSION}`,

  audit: `usage: recoveryctl audit [--limit N] [--log general|security|all] [--since SEQ]
       recoveryctl audit --verify

Shows the audit log (admins only): the general and the security log interleaved, or one of
them (--since SEQ reads one log, general unless --log names it). --verify checks both hash
chains and exits 1 naming the first bad entry of each: an edited or deleted entry, a truncated
rotated file, or entries cut from the end (caught against the chain head kept in the
credential store, also across restarts).
${SESSION}`,

  events: `usage: recoveryctl events [--count N]

Follows the daemon's event stream (LED, buzzer, tier, press, confirm, state, fault), one line
per event (--json: one JSON object per line) until Ctrl-C or N events. Exits 3 if the daemon
goes away.`,

  sim: `usage: recoveryctl sim press DURATION
       recoveryctl sim down | up
       recoveryctl sim bounce [--count N] [--interval DURATION] [--settle down|up]
       recoveryctl sim state
       recoveryctl sim watch [--count N]
       recoveryctl sim run SCENARIO-FILE

Drives the simulated board (sim.sock beside api.sock) of a daemon running with board "sim".
  press   holds the button for DURATION (7s, 1.5s, 7000ms; a unit is required), showing live what
          releasing now would do, then prints the classified press and the resulting state
  down/up changes the button level and leaves it there
  bounce  a burst of contact bounce (default 5 glitches of 5ms)
  state   the board's button level, LED and buzzer
  watch   live LED, buzzer, tier, press and state lines until Ctrl-C
  run     plays a press scenario file against the daemon and checks its expected outcome: prints
          its plan first, then a line per step (format: docs/scenarios.md)`,
};

export const COMMANDS = Object.keys(HELP);

export function overview(): string {
  return `usage: recoveryctl COMMAND [ARGS] [--json] [--socket PATH] [--token TOKEN]

Commands:
  status                      credential state, setup window, lockout, last reset
  setup USERNAME              create the first admin (first-boot state)
  login USERNAME              log in and save the session
  logout                      end the session
  passwd                      change your password
  users [list|add|delete]     manage accounts (admin)
  token create|list|revoke    create (admin), list or revoke API tokens
  recover ...                 security-code | challenge | unlock | request | grant | forgot | forgot-confirm
  email [set|verify|test]     the recovery address of your account (admin)
  backup ...                  export | inspect | restore the configuration (admin)
  audit [--verify]            read or verify the audit log (admin)
  events                      follow the daemon's event stream
  sim ...                     press | down | up | bounce | state | watch | run (simulated board)

\`recoveryctl COMMAND --help\` describes a command.
${GLOBAL}
${EXIT_CODES}`;
}

export function commandHelp(command: string): string {
  return `${HELP[command] ?? overview()}

${GLOBAL}
${EXIT_CODES}`;
}

/** The first line(s) of a command's help: shown with a usage error. */
export function usageOf(command: string | undefined): string {
  const text = command ? HELP[command] : undefined;
  if (!text) return "usage: recoveryctl COMMAND [ARGS] (recoveryctl --help lists the commands)";
  return text.split("\n\n")[0] as string;
}
