// In-process fan-out of daemon events to the API's event stream (and anything else listening).
import type { DaemonEvent } from "./services.js";

export type EventListener = (event: DaemonEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  publish(event: DaemonEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(event);
      } catch {
        // A broken subscriber (a closed SSE stream) must never break the button path.
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get size(): number {
    return this.listeners.size;
  }
}
