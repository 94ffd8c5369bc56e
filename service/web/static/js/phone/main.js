// The eyes' own page (/s/{token}): the staff member's route tonight, the next stop, a
// check-in per stop (by a button, or by itself with their consent), police alerts and a
// tip form. It reads GET /v1/field/{token} every POLL_MS (and when the phone comes back
// online or the page is shown again), so a re-plan shows by itself; check-ins and tips go
// through the outbox (outbox.js), which keeps them while the phone is offline.
import { el, hhmm } from "../format.js";
import { t } from "../i18n.js";
import { drawRoute, createPhoneMap, showMe } from "./map.js";
import { newId, Outbox } from "./outbox.js";
import { allowed, consented, Dwell, distanceM, setConsent, Tracker } from "./position.js";

const POLL_MS = 30_000;
const DWELL_CHECK_MS = 5_000;

const token = decodeURIComponent(window.location.pathname.replace(/^\/s\//, "").replace(/\/$/, ""));
const fieldUrl = `/v1/field/${encodeURIComponent(token)}`;
const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
const $ = (id) => document.getElementById(id);

const state = { view: null, gone: false, loadedAt: null, problems: [] };
const outbox = new Outbox(token);
const dwell = new Dwell();
let mapView = null;
let tracker = null;

function stopName(stop) {
  return stop.kind === "visit" ? t("Visit") : t("Hotspot {id}", { id: stop.label });
}

function distanceText(metres) {
  if (metres < 1000) return t("{metres} m away", { metres: Math.round(metres / 5) * 5 });
  return t("{km} km away", { km: (metres / 1000).toFixed(1) });
}

// The stops with what the phone knows beyond the server: check-ins not sent yet.
function stops() {
  if (!state.view) return [];
  const waiting = outbox.waitingStops();
  return state.view.stops.map((stop, index) => ({
    ...stop,
    order: index + 1,
    waiting: !stop.done && waiting.has(stop.stop_id),
  }));
}

const nextStop = () => stops().find((s) => !s.done && !s.waiting) || null;

function renderNext() {
  const next = nextStop();
  const card = $("next");
  card.dataset.stop = next ? next.stop_id : "";
  $("next-checkin").hidden = !next;
  $("next-maps").hidden = !next;
  if (!next) {
    const finished = state.view && state.view.stops.length > 0;
    $("next-label").textContent = finished ? t("All stops done. Thank you!") : t("No stops tonight.");
    $("next-time").textContent = "";
    $("next-distance").textContent = "";
    return;
  }
  $("next-label").textContent = t("{order}. {name}", { order: next.order, name: stopName(next) });
  $("next-time").textContent = hhmm(next.start);
  $("next-time").setAttribute("datetime", next.start);
  const me = tracker && tracker.recent();
  $("next-distance").textContent = me ? distanceText(distanceM(me, next)) : "";
  $("next-maps").href = `geo:${next.lat},${next.lon}?q=${next.lat},${next.lon}`;
}

function renderStops() {
  const next = nextStop();
  $("stop-list").replaceChildren(
    ...stops().map((stop) => {
      const status = stop.done ? "done" : stop.waiting ? "waiting" : next && next.stop_id === stop.stop_id ? "next" : "planned";
      const label = { done: t("Done"), waiting: t("Saved, not sent yet") }[status];
      return el(
        "li",
        { class: `is-${status}`, "data-stop-id": stop.stop_id, "data-state": status },
        el("span", { class: "order", text: String(stop.order), "aria-hidden": "true" }),
        el(
          "span",
          { class: "what" },
          el("time", { datetime: stop.start, text: hhmm(stop.start) }),
          stopName(stop),
          label ? el("span", { class: "state", text: ` · ${label}` }) : null,
        ),
        stop.done || stop.waiting
          ? null
          : el("button", {
            type: "button",
            class: "big secondary",
            text: t("Check in"),
            "aria-label": t("Check in at {order}. {name}", { order: stop.order, name: stopName(stop) }),
            onclick: () => checkIn(stop, "button"),
          }),
      );
    }),
  );
}

function renderAlerts() {
  const alerts = (state.view && state.view.alerts) || [];
  $("alerts").hidden = alerts.length === 0;
  $("alert-list").replaceChildren(
    ...alerts.map((alert) =>
      el(
        "li",
        { "data-alert": alert.id },
        el("strong", { text: t("{area} · until {time}", { area: alert.area_name, time: hhmm(alert.valid_until) }) }),
        alert.message,
      ),
    ),
  );
}

function renderOutbox() {
  const waiting = outbox.items().length;
  document.body.dataset.outbox = String(waiting);
  const box = $("outbox");
  box.hidden = waiting === 0;
  const offline = t("Offline: saved, sent when you are online again");
  const count = t("{count} waiting", { count: waiting });
  box.textContent = waiting ? `${offline} (${count})` : "";
  $("outbox-problems").replaceChildren(...state.problems.map((text) => el("li", { text })));
}

function render() {
  const view = state.view;
  if (view) {
    $("who").textContent = `${view.name} · ${view.date}`;
    document.body.dataset.version = String(view.version);
    drawRoute(mapView, view, stops(), nextStop());
  }
  renderNext();
  renderStops();
  renderAlerts();
  renderOutbox();
}

function setStatus(text) {
  $("status").textContent = text;
}

function setOnline(online) {
  $("network").hidden = online;
  document.body.dataset.online = String(online);
}

async function load() {
  if (state.gone) return;
  let response;
  try {
    response = await fetch(fieldUrl, { headers: { Accept: "application/json" }, credentials: "omit" });
  } catch {
    setOnline(false);
    if (state.view) setStatus(t("No connection: showing the route as last loaded at {time}.", { time: hhmm(state.loadedAt) }));
    else setStatus(t("No connection: the route will show when the phone is online."));
    return;
  }
  setOnline(true);
  if (response.status === 401 || response.status === 404 || response.status === 410) {
    state.gone = true;
    setStatus(t("This link is no longer valid. Ask your dispatcher for a new one."));
    return;
  }
  if (!response.ok) {
    setStatus(t("The server could not show the route (HTTP {status}); trying again soon.", { status: response.status }));
    return;
  }
  const view = await response.json();
  const replanned = state.view && state.view.version !== view.version;
  state.view = view;
  state.loadedAt = new Date().toISOString();
  if (!view.on_plan) setStatus(t("A re-plan has taken you off tonight's plan: no more stops."));
  else if (replanned) setStatus(t("The route was re-planned (version {version}).", { version: view.version }));
  else setStatus(t("Route version {version} · updated {time}", { version: view.version, time: hhmm(state.loadedAt) }));
  render();
}

// Send what waits; reload the route when something was stored.
async function sync() {
  const result = await outbox.flush();
  for (const { item, reason } of result.refused) {
    state.problems.push(
      item.kind === "tips"
        ? t("A tip was not accepted: {reason}", { reason })
        : t("A check-in was not accepted: {reason}", { reason }),
    );
  }
  if (result.sent || result.refused.length) await load();
  else render();
  return result;
}

async function refresh() {
  await sync();
  await load();
}

// What the page says of something kept in the outbox.
function keptText() {
  return navigator.onLine
    ? t("Saved: sent as soon as the server takes it.")
    : t("Offline: saved, sent when you are online again");
}

function where() {
  const me = tracker && tracker.recent();
  return me ? { lat: me.lat, lon: me.lon } : undefined;
}

async function checkIn(stop, how) {
  const body = { id: newId(), stop_id: stop.stop_id, at: new Date().toISOString() };
  const location = where();
  if (location) body.location = location;
  outbox.add("checkins", body);
  dwell.update(null, null);
  if (how === "auto") {
    const time = hhmm(body.at);
    $("auto-status").textContent = t("Checked in by itself at {name} ({time}).", { name: stopName(stop), time });
  }
  render();
  const result = await sync();
  if (result.kept) setStatus(keptText());
}

async function sendTip(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const category = data.get("category");
  if (!category) {
    $("tip-message").textContent = t("Choose what you noticed.");
    return;
  }
  const body = {
    id: newId(),
    category,
    text: String(data.get("text") || "").trim(),
    for_police: data.get("for_police") === "on",
    at: new Date().toISOString(),
  };
  const location = where();
  if (location) body.location = location;
  outbox.add("tips", body);
  form.reset();
  const result = await sync();
  $("tip-message").textContent = result.kept ? keptText() : t("Tip sent. Thank you.");
}

function onFix(fix) {
  showMe(mapView, fix);
  $("position-status").textContent = t("Position known (±{metres} m).", { metres: Math.round(fix.accuracy || 0) });
  judgeDwell(fix);
  renderNext();
}

// A new fix, or (null) the last one again: a phone standing still may send no new fixes.
function judgeDwell(fix) {
  if (!consented() || !state.view) return;
  const next = nextStop();
  if (dwell.update(next, fix || tracker.recent())) checkIn(next, "auto");
}

function startPosition() {
  tracker.start();
  $("position-button").hidden = true;
}

function wire() {
  tracker = new Tracker({
    onFix,
    onError: (error) => {
      $("position-status").textContent = error.code === 1
        ? t("This phone does not let the page read its position.")
        : t("The position is not known yet.");
    },
  });
  $("position-button").addEventListener("click", startPosition);
  const consent = $("auto-consent");
  consent.checked = consented();
  consent.addEventListener("change", () => {
    setConsent(consent.checked);
    if (consent.checked) startPosition();
  });
  $("next-checkin").addEventListener("click", () => {
    const next = nextStop();
    if (next) checkIn(next, "button");
  });
  $("tip-form").addEventListener("submit", sendTip);
  window.addEventListener("online", () => {
    setOnline(true);
    refresh();
  });
  window.addEventListener("offline", () => setOnline(false));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  setInterval(refresh, POLL_MS);
  setInterval(() => judgeDwell(null), DWELL_CHECK_MS);
}

async function boot() {
  mapView = createPhoneMap($("map"), { tileUrl: meta("eyes-tile-url"), tileAttribution: meta("eyes-tile-attribution") });
  wire();
  setOnline(navigator.onLine);
  if (consented() || (await allowed())) startPosition();
  await refresh();
  document.body.dataset.ready = "true";
}

boot();
