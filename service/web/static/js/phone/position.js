// The phone's position (navigator.geolocation.watchPosition, only once the person asked
// for it or the browser already allows it) and the rule for checking in by itself.
//
// Automatic check-in (only with the person's consent, remembered on the phone): the page
// checks in at the next stop once the phone has stayed within RADIUS_M of it for DWELL_MS:
// from the first fix inside the circle, every fix since inside it (a fix outside starts
// again), judged on each new fix and every few seconds with the last fix (a phone standing
// still may send no new ones; a fix older than two minutes is not used).
export const RADIUS_M = 40;
export const DWELL_MS = 60_000;
const CONSENT = "eyes.autoCheckin";

export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

export const consented = () => localStorage.getItem(CONSENT) === "yes";

export function setConsent(yes) {
  if (yes) localStorage.setItem(CONSENT, "yes");
  else localStorage.removeItem(CONSENT);
}

// Whether the browser already lets this page read the position (no prompt needed).
export async function allowed() {
  try {
    const state = await navigator.permissions.query({ name: "geolocation" });
    return state.state === "granted";
  } catch {
    return false;
  }
}

export class Tracker {
  constructor({ onFix, onError }) {
    this.onFix = onFix;
    this.onError = onError;
    this.watch = null;
    this.last = null; // {lat, lon, accuracy, at}
  }

  get watching() {
    return this.watch !== null;
  }

  start() {
    if (this.watch !== null || !navigator.geolocation) return;
    this.watch = navigator.geolocation.watchPosition(
      (found) => {
        this.last = {
          lat: found.coords.latitude,
          lon: found.coords.longitude,
          accuracy: found.coords.accuracy,
          at: Date.now(),
        };
        this.onFix(this.last);
      },
      (error) => this.onError(error),
      { enableHighAccuracy: true, maximumAge: 15_000, timeout: 60_000 },
    );
  }

  // The last fix if it is recent enough to say where a check-in or tip happened.
  recent(maxAgeMs = 120_000) {
    return this.last && Date.now() - this.last.at <= maxAgeMs ? this.last : null;
  }
}

// How long the phone has stayed near one stop.
export class Dwell {
  constructor() {
    this.stopId = null;
    this.since = null;
    this.inside = false;
  }

  // A fix (or null: no new fix, judge the last one again) against the target stop;
  // true when the phone has stayed within RADIUS_M for DWELL_MS.
  update(stop, fix, now = Date.now()) {
    if (!stop) {
      this.stopId = null;
      this.since = null;
      return false;
    }
    if (stop.stop_id !== this.stopId) {
      this.stopId = stop.stop_id;
      this.since = null;
      this.inside = false;
    }
    if (fix) {
      this.inside = distanceM(fix, stop) <= RADIUS_M;
      if (!this.inside) this.since = null;
      else if (this.since === null) this.since = now;
    }
    return this.inside && this.since !== null && now - this.since >= DWELL_MS;
  }
}
