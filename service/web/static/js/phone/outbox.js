// Check-ins and tips waiting to be sent: kept in localStorage (per link) so they survive
// going offline and a reload, each with an id made on this phone and the time it happened,
// and sent in order whenever the page is online.
//
// An answer of 200 (already stored) or 201 removes an item; any other 4xx but 429 removes
// it too and says why (it will never be accepted); a 429, a 5xx or no connection keeps it
// for the next try. A 429 holds back only the items of its kind (too many tips must not
// hold back the check-ins); a 5xx or no connection ends the round.
import { t } from "../i18n.js";

const PREFIX = "eyes.outbox.";

// An id of the API's shape ([A-Za-z0-9_-], 8-64): a UUID without its dashes.
export function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  constructor(token) {
    this.token = token;
    this.key = PREFIX + token;
    this.sending = null;
  }

  items() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch {
      return [];
    }
  }

  save(items) {
    if (items.length) localStorage.setItem(this.key, JSON.stringify(items));
    else localStorage.removeItem(this.key);
  }

  // kind: "checkins" or "tips"; body: what the API takes (with its id and at).
  add(kind, body) {
    this.save([...this.items(), { kind, body }]);
  }

  remove(id) {
    this.save(this.items().filter((item) => item.body.id !== id));
  }

  // The stop ids of check-ins not sent yet.
  waitingStops() {
    return new Set(this.items().filter((i) => i.kind === "checkins").map((i) => i.body.stop_id));
  }

  // Send what waits, oldest first; resolves to {sent, refused: [{item, reason}], kept}.
  flush() {
    this.sending ||= this.send().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  async send() {
    const result = { sent: 0, refused: [], kept: 0 };
    const held = new Set();
    for (const item of this.items()) {
      if (held.has(item.kind)) continue;
      let response;
      try {
        response = await fetch(`/v1/field/${encodeURIComponent(this.token)}/${item.kind}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(item.body),
          credentials: "omit",
        });
      } catch {
        break; // no connection: keep this and what follows for the next try
      }
      if (response.ok) {
        this.remove(item.body.id);
        result.sent += 1;
      } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        this.remove(item.body.id);
        result.refused.push({ item, reason: await reasonOf(response) });
      } else if (response.status === 429) {
        held.add(item.kind); // too many of these for now: the next round tries again
      } else {
        break; // 5xx: try again later, in order
      }
    }
    result.kept = this.items().length;
    return result;
  }
}

async function reasonOf(response) {
  try {
    const problem = await response.json();
    const errors = (problem.errors || []).map((e) => `${e.field}: ${e.message}`);
    return errors.length ? errors.join("; ") : problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return t("The server refused it (HTTP {status}).", { status: response.status });
  }
}
