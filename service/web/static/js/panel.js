// The side panel: summary, staff with their stops, hotspots left out, the plan's warnings.
import { el, hhmm, km, routeColour, weight } from "./format.js";

const REASONS = {
  unreachable_in_window: "no one can reach it in its window",
  not_enough_time: "not enough time on the shifts",
};

export function renderSummary(plan) {
  const s = plan.summary;
  const box = document.getElementById("summary");
  box.replaceChildren(
    el("p", { class: "plan-title", text: `${plan.area} · ${plan.date}` }),
    el(
      "p",
      { class: "plan-totals" },
      `Weight covered ${weight(s.weight_visited)} of ${weight(s.weight_total)} `,
      `(${Math.round(s.coverage_ratio * 100)} %) · ${s.hotspots_visited} hotspots · `,
      `${s.visits_kept} visits kept · ${km(s.distance_km)}`,
    ),
  );
}

function stopItem(stop, order) {
  const label = stop.kind === "start" ? "start" : stop.kind === "end" ? "end" : `${stop.kind} ${stop.id}`;
  const time = stop.kind === "end" ? hhmm(stop.arrival) : hhmm(stop.start);
  return el("li", { class: `stop stop--${stop.kind}`, value: String(order) }, el("time", { text: time }), ` ${label}`);
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
        el("span", {
          class: "staff-totals",
          text: `${visits} stops · ${km(route.distance_km)} · weight ${weight(route.weight_covered)} · ${hhmm(route.start)}–${hhmm(route.end)}`,
        }),
      );
      const calendar = el("button", {
        type: "button",
        class: "link",
        text: "Calendar (.ics)",
        onclick: () => onCalendar(route.staff_id),
      });
      const stops = el("ol", { class: "stops", start: "0" }, ...route.stops.map(stopItem));
      return el("li", { class: "staff", "data-staff": route.staff_id }, button, calendar, stops);
    }),
  );
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
        `${item.hotspot_id} (weight ${weight(item.weight)}): ${REASONS[item.reason] || item.reason}`),
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
      el("li", { class: "warning", "data-code": w.code || "" }, el("strong", { text: w.field || "plan" }), `: ${w.message}`),
    ),
  );
}

export function setStatus(text) {
  document.getElementById("status").textContent = text;
}
