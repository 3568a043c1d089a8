#!/usr/bin/env node
// Reads `journalctl _SYSTEMD_UNIT=recoveryd.service -o cat` on stdin and checks that every line is
// a pino JSON object with "svc":"recoveryd". Prints a one-line summary; exit 0 when at least
// MIN (argv[2], default 1) lines were read and all of them parsed.
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => {
  input += c;
});
process.stdin.on("end", () => {
  const min = Number(process.argv[2] ?? 1);
  const lines = input.split("\n").filter((l) => l.trim() !== "");
  const bad = [];
  const msgs = new Set();
  for (const line of lines) {
    try {
      const obj = JSON.parse(line);
      if (obj === null || typeof obj !== "object" || obj.svc !== "recoveryd") bad.push(line);
      else if (typeof obj.msg === "string") msgs.add(obj.msg);
    } catch {
      bad.push(line);
    }
  }
  const sample = [...msgs].slice(0, 4).join("; ");
  if (bad.length === 0 && lines.length >= min) {
    process.stdout.write(`${lines.length} lines, all JSON with svc=recoveryd (e.g. ${sample})\n`);
    process.exit(0);
  }
  process.stdout.write(
    `${lines.length} lines, ${bad.length} not JSON with svc=recoveryd; first: ${JSON.stringify(bad[0] ?? "")}\n`,
  );
  process.exit(1);
});
