// The few DOM helpers the pages share: typed lookups that fail loudly on a missing element.

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no #${id}`);
  return el as T;
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

export function say(el: HTMLElement, text: string, kind: "error" | "ok" | "" = ""): void {
  el.textContent = text;
  el.className = kind ? `msg ${kind}` : "msg";
}

export function value(id: string): string {
  return $<HTMLInputElement>(id).value;
}

/** "4:07" for a remaining time in ms. */
export function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
