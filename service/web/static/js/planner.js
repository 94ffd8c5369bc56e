// Planning from the page: the shifts, hotspots (file or forecast) and visits files become a
// request (POST /v1/imports/csv names each bad line and column), which is planned with
// POST /v1/plans; or the shown plan is planned again with another time limit or seed.
import { ApiError, postJson, submitPlan } from "./api.js";
import { el } from "./format.js";
import { t } from "./i18n.js";

const form = () => document.getElementById("plan-form");

// A job's status as the page shows it (one it does not know as the server says it).
const STATUSES = {
  sent: t("sent"),
  queued: t("queued"),
  running: t("running"),
  done: t("done"),
  failed: t("failed"),
};

function showProgress(progress) {
  const bar = document.getElementById("plan-progress");
  bar.hidden = false;
  if (progress.fraction === null) bar.removeAttribute("value");
  else bar.value = progress.fraction;
  const status = Object.hasOwn(STATUSES, progress.status) ? STATUSES[progress.status] : progress.status;
  const parts = [t("Planning…"), status];
  if (progress.fraction !== null) parts.push(`${Math.round(progress.fraction * 100)} %`);
  message(parts.join(" ") + (progress.message ? ` · ${progress.message}` : ""));
}

function message(text) {
  document.getElementById("plan-message").textContent = text;
}

function showErrors(lines) {
  document.getElementById("plan-errors").replaceChildren(...lines.map((line) => el("li", { text: line })));
}

function busy(on) {
  for (const button of form().querySelectorAll("button")) button.disabled = on || (button.id === "replan-button" && !form().dataset.planId);
  if (!on) document.getElementById("plan-progress").hidden = true;
}

function options() {
  const data = new FormData(form());
  const seed = Number.parseInt(data.get("seed"), 10);
  const limit = Number.parseFloat(data.get("time_limit_s"));
  return { time_limit_s: limit > 0 ? limit : null, seed: seed >= 0 ? seed : 0 };
}

async function fileText(input) {
  return input.files && input.files.length ? input.files[0].text() : null;
}

// Forecast hotspots as request hotspots (weights scaled into the request's 0..1000).
function forecastHotspots(forecast) {
  const heaviest = Math.max(0, ...forecast.map((h) => h.weight));
  const scale = heaviest > 1000 ? 1000 / heaviest : 1;
  return forecast.map((h) => ({
    id: String(h.id),
    location: { lat: h.lat, lon: h.lon },
    weight: Math.max(h.weight * scale, 0.001),
    windows: (h.windows || []).map((w) => ({ start: String(w.start), end: String(w.end) })),
  }));
}

async function run(submit, onPlanned) {
  showErrors([]);
  busy(true);
  showProgress({ status: "sent", fraction: null, message: "" });
  try {
    const plan = await submit();
    message(
      t("Planned: {hotspots} hotspots, {visits} visits kept.", {
        hotspots: plan.summary.hotspots_visited,
        visits: plan.summary.visits_kept,
      }),
    );
    await onPlanned(plan);
  } catch (error) {
    message(t("Not planned."));
    showErrors(error instanceof ApiError ? error.lines() : [String(error)]);
  } finally {
    busy(false);
  }
}

// The areas the server has (GET /v1/areas), shown by their display names; the shown
// plan's or the default chosen.
export function setAreas(areas, chosen) {
  const picker = form().elements.area;
  const shown = new Map((areas.details || []).map((a) => [a.name, a.display_name]));
  picker.replaceChildren(
    ...areas.areas.map((name) => el("option", { value: name, text: shown.get(name) || name })),
  );
  picker.value = chosen || areas.default;
}

export function setupPlanner({ area, forecast, onPlanned }) {
  const f = form();
  if (forecast) {
    document.getElementById("forecast-choice").hidden = false;
  }
  f.elements.area.addEventListener("change", () => {
    f.dataset.areaChosen = "true";
  });
  f.addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const shifts = await fileText(f.elements.shifts);
      if (!shifts) throw new ApiError(400, { detail: t("Choose a shifts CSV file.") });
      const useForecast = f.elements["hotspot-source"].value === "forecast";
      const body = {
        shifts_csv: shifts,
        hotspots_csv: useForecast ? null : await fileText(f.elements.hotspots),
        visits_csv: await fileText(f.elements.visits),
        area: f.elements.area.value || area(),
        date: f.elements.date.value || null,
        options: options(),
      };
      const imported = await postJson("/v1/imports/csv", body);
      if (!imported.ok) throw new ApiError(imported.status, await imported.json().catch(() => null));
      const request = await imported.json();
      if (useForecast) request.hotspots = forecastHotspots(await forecast(request.area, request.date));
      return submitPlan("/v1/plans", request, showProgress);
    }, onPlanned);
  });
  document.getElementById("replan-button").addEventListener("click", () => {
    const planId = f.dataset.planId;
    run(() => submitPlan(`/v1/plans/${planId}/rerun`, options(), showProgress), onPlanned);
  });
}

// The plan the re-plan button plans again.
export function setShownPlan(plan) {
  const f = form();
  f.dataset.planId = plan ? plan.id : "";
  document.getElementById("replan-button").disabled = !plan;
  if (plan && !f.elements.date.value) f.elements.date.value = plan.date;
  const known = plan && [...f.elements.area.options].some((o) => o.value === plan.area);
  if (known && !f.dataset.areaChosen) f.elements.area.value = plan.area;
}
