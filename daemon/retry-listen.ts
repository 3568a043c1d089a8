// A socket that cannot be created (a read-only or missing runtime directory) must not stop the
// daemon: the button keeps working, the LED shows the fault, and the socket is retried with a
// growing delay until it comes up. Nothing else in the daemon waits for it.
import type { Logger } from "./log.js";

export interface RetriedService<T> {
  /** The service once it started; null while it is still being retried. */
  current(): T | null;
  close(): Promise<void>;
}

export interface RetryOptions<T> {
  what: string;
  start: () => Promise<T>;
  stop: (service: T) => Promise<void>;
  log: Logger;
  /** Told when the service goes down (a message) and comes up (null). */
  onFault?: (message: string | null) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export async function startWithRetry<T>(opts: RetryOptions<T>): Promise<RetriedService<T>> {
  let service: T | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let delay = opts.firstDelayMs ?? 500;
  const attempt = async (first: boolean): Promise<void> => {
    try {
      service = await opts.start();
      if (closed) {
        await opts.stop(service);
        return;
      }
      if (!first) {
        opts.log.info({ what: opts.what }, `${opts.what}: listening again`);
        opts.onFault?.(null);
      }
    } catch (err) {
      if (first) {
        opts.log.error({ err, what: opts.what }, `${opts.what}: cannot listen; retrying in the background`);
        opts.onFault?.(`${opts.what}: ${(err as Error).message}`);
      } else {
        opts.log.debug({ err, what: opts.what, nextMs: delay }, `${opts.what}: still cannot listen`);
      }
      if (closed) return;
      timer = setTimeout(() => void attempt(false), delay);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 30_000);
    }
  };
  await attempt(true);
  return {
    current: () => service,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (service) await opts.stop(service);
    },
  };
}
