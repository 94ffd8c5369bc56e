// The side panel: summary, staff with their stops, hotspots left out, the plan's warnings.
import { el, hhmm, km, routeColour, stopKind, weight } from "./format.js";
import { t } from "./i18n.js";

/** The id progress names a stop by: its own, "#n" for a hotspot's n-th visit. */
function stopKey(stop) {
  if (stop.id === null) return "";
  const number = stop.visit_number || 1;
  return stop.kind === "hotspot" && number > 1 ? `${stop.id}#${number}` : String(stop.id);
}

const REASONS = {
  unreachable_in_window: t("no one can reach it in its window"),
  not_enough_time: t("not enough time on the shifts"),
};

export function renderSummary(plan) {
  const s = plan.summary;
  const box = document.getElementById("summary");
  box.replaceChildren(
    el("p", { class: "plan-title", text: `${plan.area} · ${plan.date}` }),
    el(
      "p",
      { class: "plan-totals" },
      t("Weight covered {covered} of {total} ({percent} %) · {hotspots} hotspots · {visits} visits kept · {distance}", {
        covered: weight(s.weight_visited),
        total: weight(s.weight_total),
        percent: Math.round(s.coverage_ratio * 100),
        hotspots: s.hotspots_visited,
        visits: s.visits_kept,
        distance: km(s.distance_km),
      }),
    ),
  );
}

function stopItem(stop, order) {
  const label = stop.kind === "start" || stop.kind === "end" ? stopKind(stop.kind) : `${stopKind(stop.kind)} ${stop.id}`;
  const time = stop.kind === "end" ? hhmm(stop.arrival) : hhmm(stop.start);
  return el(
    "li",
    { class: `stop stop--${stop.kind}`, value: String(order), "data-stop": stopKey(stop) },
    el("time", { text: time }),
    ` ${label}`,
  );
}

export function renderStaff(plan, { onSelect, onCalendar }) {
  const list = document.getElementById("staff-list");
  list.replaceChildren(
    ...plan.routes.map((route, index) => {
      const visits = route.stops.filter((s) => s.kind === "hotspot" || s.kind === "visit").length;
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = routeColour(index);
      const button = el(
        "button",
        {
          type: "button",
          class: "staff-button",
          "data-staff": route.staff_id,
          "aria-pressed": "false",
          onclick: () => onSelect(route.staff_id),
        },
        swatch,
        el("span", { class: "staff-name", text: `${route.staff_id} · ${route.name || route.role}` }),
        el("span", { class: "staff-progress", "data-staff": route.staff_id }),
        el("span", {
          class: "staff-totals",
          text: t("{stops} stops · {distance} · weight {weight} · {start}–{end}", {
            stops: visits,
            distance: km(route.distance_km),
            weight: weight(route.weight_covered),
            start: hhmm(route.start),
            end: hhmm(route.end),
          }),
        }),
      );
      const calendar = el("button", {
        type: "button",
        class: "link",
        text: t("Calendar (.ics)"),
        onclick: () => onCalendar(route.staff_id),
      });
      const stops = el("ol", { class: "stops", start: "0" }, ...route.stops.map(stopItem));
      return el("li", { class: "staff", "data-staff": route.staff_id }, button, calendar, stops);
    }),
  );
}

function lateness(minutes) {
  if (minutes === null || minutes === undefined) return "";
  const rounded = Math.round(Math.abs(minutes));
  if (rounded === 0) return t("on time");
  return minutes > 0 ? t("{minutes} min behind", { minutes: rounded }) : t("{minutes} min ahead", { minutes: rounded });
}

// How each staff member's evening goes (GET /v1/plans/{id}/progress): "n/m done", minutes
// behind or ahead at the last check-in, when last seen; the stops done marked in the list.
export function renderProgress(progress) {
  for (const staff of progress.staff) {
    const box = document.querySelector(`.staff-progress[data-staff="${CSS.escape(staff.staff_id)}"]`);
    if (!box) continue;
    const parts = [t("{done}/{planned} done", { done: staff.stops_done.length, planned: staff.stops_planned })];
    const late = lateness(staff.behind_min);
    if (late) parts.push(late);
    if (staff.last_seen_at) parts.push(t("seen {time}", { time: hhmm(staff.last_seen_at) }));
    box.textContent = parts.join(" · ");
    box.dataset.done = String(staff.stops_done.length);
    box.classList.toggle("is-behind", (staff.behind_min || 0) >= 10);
    const done = new Set(staff.stops_done);
    const item = box.closest(".staff");
    for (const stop of item.querySelectorAll(".stop[data-stop]")) {
      stop.classList.toggle("is-done", done.has(stop.dataset.stop));
    }
  }
}

export function markSelected(staffId) {
  for (const button of document.querySelectorAll(".staff-button")) {
    const active = button.dataset.staff === staffId;
    button.setAttribute("aria-pressed", String(active));
    button.closest(".staff").classList.toggle("is-active", active);
  }
}

export function renderLeftOut(plan) {
  const section = document.getElementById("left-out-section");
  section.hidden = plan.left_out.length === 0;
  document.getElementById("left-out-list").replaceChildren(
    ...plan.left_out.map((item) =>
      el("li", { class: "left-out", "data-reason": item.reason, title: item.detail },
        t("{id} (weight {weight}): {reason}", {
          id: item.hotspot_id,
          weight: weight(item.weight),
          reason: Object.hasOwn(REASONS, item.reason) ? REASONS[item.reason] : item.reason,
        })),
    ),
  );
}

// The plan's warnings ({field, code, message}), on top of the map; none: hidden.
export function renderWarnings(plan) {
  const box = document.getElementById("warnings");
  const warnings = plan.warnings || [];
  box.hidden = warnings.length === 0;
  box.replaceChildren(
    ...warnings.map((w) =>
      el("li", { class: "warning", "data-code": w.code || "" }, el("strong", { text: w.field || t("plan") }), `: ${w.message}`),
    ),
  );
}

export function setStatus(text) {
  document.getElementById("status").textContent = text;
}
