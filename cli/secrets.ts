// Passwords and codes come from the terminal without echo, or from stdin when stdin is not a
// terminal (one per line, in the order they are asked for). Never from argv, where `ps` and the
// shell history would show them.
import type { Readable, Writable } from "node:stream";
import { UsageError } from "./exit.js";

/** Ctrl-C at a prompt: the command stops without doing anything. */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "InterruptedError";
  }
}

type TtyInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export class SecretReader {
  private lines: string[] | undefined;

  constructor(
    private readonly input: TtyInput,
    private readonly prompts: Writable,
  ) {}

  get interactive(): boolean {
    return this.input.isTTY === true && typeof this.input.setRawMode === "function";
  }

  /** Reads one secret. With `confirm`, a terminal user types it twice. */
  async read(what: string, opts: { confirm?: boolean } = {}): Promise<string> {
    if (!this.interactive) return this.nextLine(what);
    const first = await this.prompt(`${what}: `);
    if (opts.confirm) {
      const again = await this.prompt(`${what} (again): `);
      if (again !== first) throw new UsageError(`the two ${what.toLowerCase()} entries do not match`);
    }
    return first;
  }

  private async nextLine(what: string): Promise<string> {
    if (!this.lines) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.input) chunks.push(Buffer.from(chunk as Buffer));
      const text = Buffer.concat(chunks).toString("utf8");
      this.lines = text.split(/\r?\n/);
      // A trailing newline is not an extra empty line.
      if (this.lines.length > 0 && this.lines[this.lines.length - 1] === "") this.lines.pop();
    }
    const line = this.lines.shift();
    if (line === undefined)
      throw new UsageError(`expected the ${what.toLowerCase()} on stdin (one per line)`);
    return line;
  }

  private prompt(text: string): Promise<string> {
    const input = this.input;
    const setRaw = input.setRawMode?.bind(input) as (raw: boolean) => unknown;
    this.prompts.write(text);
    return new Promise((resolve, reject) => {
      let value = "";
      const done = (err?: Error) => {
        input.off("data", onData);
        setRaw(false);
        input.pause();
        this.prompts.write("\n");
        if (err) reject(err);
        else resolve(value);
      };
      const onData = (chunk: Buffer | string) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") return done();
          if (ch === "\u0003") return done(new InterruptedError());
          if (ch === "\u0004") return value === "" ? done(new InterruptedError()) : done();
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else if (ch === "\u0015")
            value = ""; // Ctrl-U: start over
          else if (ch >= " ") value += ch;
        }
      };
      setRaw(true);
      input.on("data", onData);
      input.resume();
    });
  }
}
