// A fake /sys/class/gpio tree in a temp dir, and a stand-in for the onoff module that works on it
// the way onoff works on the real one (export file, gpioN/{value,direction,edge,active_low}, reads
// and writes through an fd on `value`). Interrupts cannot come from a plain file, so the fake
// fires them on request, reading the level through `readSync` exactly like onoff's epoll handler.
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Direction, Edge, GpioLine, GpioModule, Level } from "../../hal/onoff/gpio-module.js";

export interface FakeChip {
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

export class FakeSysfs {
  readonly root: string;
  readonly module: GpioModule;
  readonly lines = new Map<number, FakeGpio>();
  /** Lines the kernel has been told to drop: reads fail like ENODEV. */
  readonly vanished = new Set<number>();
  /**
   * Lines another process holds (requested through the chardev): a write of their number to
   * `export` fails with EBUSY, as the kernel's does, and no gpioN directory appears.
   */
  readonly busy = new Set<number>();

  constructor(chips: FakeChip[]) {
    this.root = mkdtempSync(path.join(tmpdir(), "recoveryd-sysfs-"));
    writeFileSync(path.join(this.root, "export"), "");
    writeFileSync(path.join(this.root, "unexport"), "");
    for (const c of chips) this.addChip(c);
    const sysfs = this;
    this.module = {
      Gpio: class extends FakeGpio {
        constructor(gpio: number, direction: Direction, edge?: Edge, options?: { activeLow?: boolean }) {
          super(sysfs, gpio, direction, edge, options);
        }
      },
    };
  }

  /** A chip appearing (its driver probed, gpio-sim's live set to 1). */
  addChip(c: FakeChip): void {
    const dir = path.join(this.root, c.name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, "base"), `${c.base}\n`);
    writeFileSync(path.join(dir, "ngpio"), `${c.ngpio}\n`);
    writeFileSync(path.join(dir, "label"), `${c.label}\n`);
  }

  /**
   * A chip going away as gpio-sim's live=0 does it on a real kernel: its directory and its exported
   * lines' nodes disappear, and the fds still open on them fail (ENODEV).
   */
  removeChip(c: FakeChip): void {
    rmSync(path.join(this.root, c.name), { recursive: true, force: true });
    for (let n = c.base; n < c.base + c.ngpio; n++) {
      if (!this.exported(n)) continue;
      rmSync(this.dir(n), { recursive: true, force: true });
      this.vanished.add(n);
    }
  }

  hasChipFor(gpio: number): boolean {
    return readdirSync(this.root)
      .filter((n) => /^gpiochip\d+$/.test(n))
      .some((n) => {
        const read = (f: string) => Number(readFileSync(path.join(this.root, n, f), "utf8"));
        return gpio >= read("base") && gpio < read("base") + read("ngpio");
      });
  }

  dir(gpio: number): string {
    return path.join(this.root, `gpio${gpio}`);
  }

  /** What the kernel would do on a write to `export`: create the line's directory. */
  exportLine(gpio: number): void {
    writeFileSync(path.join(this.root, "export"), `${gpio}`);
    const dir = this.dir(gpio);
    mkdirSync(dir);
    for (const [f, v] of [
      ["value", "0"],
      ["direction", "in"],
      ["edge", "none"],
      ["active_low", "0"],
    ]) {
      writeFileSync(path.join(dir, f ?? ""), `${v}\n`);
    }
  }

  /** The physical level of a line as the outside world sets it (a button) or sees it (an LED). */
  setPhysical(gpio: number, level: Level): void {
    writeFileSync(path.join(this.dir(gpio), "value"), `${level}\n`);
  }

  physical(gpio: number): Level {
    return readFileSync(path.join(this.dir(gpio), "value"), "utf8").trim() === "1" ? 1 : 0;
  }

  attr(gpio: number, name: "direction" | "edge" | "active_low"): string {
    return readFileSync(path.join(this.dir(gpio), name), "utf8").trim();
  }

  exported(gpio: number): boolean {
    return existsSync(this.dir(gpio));
  }

  /** Changes a button level and raises the interrupt, like the hardware would. */
  drive(gpio: number, level: Level): void {
    this.setPhysical(gpio, level);
    this.lines.get(gpio)?.interrupt();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export class FakeGpio implements GpioLine {
  private readonly fd: number;
  private listeners: ((err: Error | null | undefined, value: Level) => void)[] = [];
  private readonly buf = Buffer.alloc(16);

  constructor(
    private readonly sysfs: FakeSysfs,
    readonly gpio: number,
    direction: Direction,
    edge?: Edge,
    options?: { activeLow?: boolean },
  ) {
    const dir = sysfs.dir(gpio);
    if (!existsSync(path.join(sysfs.root, "export"))) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${sysfs.root}/export'`), {
        code: "ENOENT",
      });
    }
    if (!existsSync(dir) && !sysfs.hasChipFor(gpio)) {
      // The kernel's answer to an export of a number no chip covers (a chip not probed or removed).
      throw Object.assign(new Error("EINVAL: invalid argument, write"), { code: "EINVAL", syscall: "write" });
    }
    if (!existsSync(dir) && sysfs.busy.has(gpio)) {
      // What onoff's writeFileSync(export) gets from the kernel for a line requested elsewhere.
      throw Object.assign(new Error("EBUSY: resource busy or locked, write"), {
        code: "EBUSY",
        errno: -16,
        syscall: "write",
      });
    }
    if (!existsSync(dir)) sysfs.exportLine(gpio);
    sysfs.vanished.delete(gpio);
    if (options?.activeLow !== undefined)
      writeFileSync(path.join(dir, "active_low"), options.activeLow ? "1" : "0");
    writeFileSync(
      path.join(dir, "direction"),
      direction === "high" || direction === "low" ? "out" : direction,
    );
    if (direction === "high") sysfs.setPhysical(gpio, 1);
    if (direction === "low") sysfs.setPhysical(gpio, 0);
    if (edge && direction === "in") writeFileSync(path.join(dir, "edge"), edge);
    this.fd = openSync(path.join(dir, "value"), "r+");
    sysfs.lines.set(gpio, this);
  }

  readSync(): Level {
    if (this.sysfs.vanished.has(this.gpio)) {
      throw Object.assign(new Error("ENODEV: no such device, read"), { code: "ENODEV" });
    }
    readSync(this.fd, this.buf, 0, 1, 0);
    return this.buf[0] === "1".charCodeAt(0) ? 1 : 0;
  }

  writeSync(value: Level): void {
    if (this.sysfs.vanished.has(this.gpio)) {
      throw Object.assign(new Error("ENODEV: no such device, write"), { code: "ENODEV" });
    }
    writeSync(this.fd, Buffer.from(`${value}\n`), 0, 2, 0);
  }

  watch(callback: (err: Error | null | undefined, value: Level) => void): void {
    this.listeners.push(callback);
  }

  unwatchAll(): void {
    this.listeners = [];
  }

  unexport(): void {
    this.unwatchAll();
    closeSync(this.fd);
    if (this.sysfs.vanished.has(this.gpio) && !existsSync(this.sysfs.dir(this.gpio)))
      throw Object.assign(new Error("EINVAL: invalid argument, write"), { code: "EINVAL" });
    writeFileSync(path.join(this.sysfs.root, "unexport"), `${this.gpio}`);
    rmSync(this.sysfs.dir(this.gpio), { recursive: true, force: true });
    this.sysfs.lines.delete(this.gpio);
  }

  /** onoff's epoll handler: read through `this.readSync()` (uncaught on failure), then call back. */
  interrupt(): void {
    const value = this.readSync();
    for (const fn of this.listeners.slice()) fn(null, value);
  }

  /** An epoll error delivered to the watch callbacks. */
  interruptError(err: Error): void {
    for (const fn of this.listeners.slice()) fn(err, 0);
  }

  get watched(): boolean {
    return this.listeners.length > 0;
  }
}
