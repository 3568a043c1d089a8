// Writes credentials.state (store/state-marker.ts) from the account service's point of view:
// once an owner existed, everProvisioned stays true until the store is rebuilt by the button.
import { type StoreMarker, writeStoreMarker } from "../store/state-marker.js";

export class MarkerKeeper {
  private last: StoreMarker | null;

  constructor(
    private readonly dir: string,
    current: StoreMarker | null,
  ) {
    this.last = current;
  }

  get everProvisioned(): boolean {
    return this.last?.everProvisioned ?? false;
  }

  record(generation: number, provisioned: boolean): void {
    const next: StoreMarker = {
      generation,
      provisioned,
      everProvisioned: provisioned || this.everProvisioned,
    };
    const l = this.last;
    if (
      l &&
      l.generation === next.generation &&
      l.provisioned === next.provisioned &&
      l.everProvisioned === next.everProvisioned
    )
      return;
    writeStoreMarker(this.dir, next);
    this.last = next;
  }
}
