// The dispatcher's map: asks for the API key once, shows a plan (the newest, or the one in
// the address /map/{id}) on the area's streets, and plans again from the page.
import * as api from "./api.js";
import {
  addLegend, createMap, drawAlerts, drawForecast, drawPlan, drawPositions, drawStreets, drawTips, select,
} from "./layers.js";
import {
  markSelected, renderLeftOut, renderProgress, renderStaff, renderSummary, renderWarnings, setStatus,
} from "./panel.js";
import { setAreas, setShownPlan, setupPlanner } from "./planner.js";
import { el } from "./format.js";
import { t } from "./i18n.js";
import { fitTo } from "./moves.js";

const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
const state = { area: null, streetsKey: null, plan: null, forecast: false, progressTimer: null };
const PROGRESS_MS = 30_000;

function askKey(reason) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  document.getElementById("key-error").textContent = reason;
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(input.value.trim() || null), { once: true });
    dialog.showModal();
  });
}

function planIdFromPath() {
  const match = window.location.pathname.match(/^\/map\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]) : null;
}

// The area's drive network, and the walk and bike networks of the routes that use them (a
// walking route follows footpaths the drive network does not have).
async function showStreets(view, area, modes = []) {
  const wanted = ["drive", ...[...new Set(modes)].filter((m) => m !== "drive").sort()];
  const key = `${area}:${wanted.join(",")}`;
  if (!area || state.streetsKey === key) return;
  const byMode = {};
  for (const mode of wanted) {
    const url = `/v1/areas/${encodeURIComponent(area)}/streets.geojson?mode=${mode}`;
    const streets = await api.getOptional(url);
    if (streets) byMode[mode] = streets;
  }
  if (byMode.drive) {
    drawStreets(view, byMode);
    state.streetsKey = key;
  }
}

async function showAlerts(view) {
  const recent = await api.getOptional("/v1/alerts?limit=50", { forbiddenToo: true });
  if (!recent) return; // this key may not read alerts
  const now = Date.now();
  const active = recent.filter((a) => Date.parse(a.valid_from) <= now && now <= Date.parse(a.valid_until));
  drawAlerts(view, await Promise.all(active.map((a) => api.getJson(`/v1/alerts/${a.id}`))));
}

function forecastUrl(area, date, count) {
  const query = new URLSearchParams({ area, count: String(count) });
  if (date) query.set("as_of", date);
  return `/v1/hotspots?${query}`;
}

// The forecast layer exists only where the server has GET /v1/hotspots (a 404 hides it).
async function showForecast(view) {
  const answer = await api.getOptional(forecastUrl(state.area, state.plan && state.plan.date, 100), {
    forbiddenToo: true,
  });
  state.forecast = Boolean(answer);
  if (answer) drawForecast(view, answer.hotspots || []);
}

async function listPlans(selectedId) {
  const plans = await api.getJson("/v1/map/plans?limit=30");
  const select = document.getElementById("plan-select");
  select.replaceChildren(
    ...plans.map((p) =>
      el("option", {
        value: p.id,
        text: t("{date} {area} · {staff} staff · {percent} % · {id}", {
          date: p.date,
          area: p.area,
          staff: p.staff,
          percent: Math.round(p.coverage_ratio * 100),
          id: p.id.slice(0, 6),
        }),
      }),
    ),
  );
  if (selectedId) select.value = selectedId;
  return plans;
}

// The evening as it goes: the staff's check-ins (n/m done, behind or ahead, last position)
// and their tips since the plan's day, read again every PROGRESS_MS while the plan shows.
async function showProgress(view, plan) {
  try {
    const [progress, tips] = await Promise.all([
      api.getOptional(`/v1/plans/${encodeURIComponent(plan.id)}/progress`, { forbiddenToo: true }),
      api.getOptional(`/v1/tips?${new URLSearchParams({ area: plan.area, since: `${plan.date}T00:00:00` })}`, {
        forbiddenToo: true,
      }),
    ]);
    if (!state.plan || state.plan.id !== plan.id) return; // another plan is shown by now
    if (progress) {
      renderProgress(progress);
      drawPositions(view, progress);
    }
    if (tips) drawTips(view, tips);
    view.container.dataset.progressAt = new Date().toISOString();
  } catch {
    // the next round tries again
  }
}

function followProgress(view, plan) {
  clearInterval(state.progressTimer);
  showProgress(view, plan);
  state.progressTimer = setInterval(() => showProgress(view, plan), PROGRESS_MS);
}

async function showPlan(view, planId) {
  setStatus(t("Loading the plan…"));
  const plan = await api.getJson(`/v1/plans/${encodeURIComponent(planId)}`);
  const geojson = await api.getOptional(`/v1/plans/${encodeURIComponent(planId)}/routes.geojson`);
  state.plan = plan;
  state.area = plan.area;
  await showStreets(view, plan.area, plan.routes.map((route) => route.mode));
  drawPlan(view, plan, geojson);
  renderSummary(plan);
  renderStaff(plan, {
    onSelect: (staffId) => select(view, staffId),
    onCalendar: (staffId) =>
      api.download(`/v1/plans/${plan.id}/staff/${encodeURIComponent(staffId)}.ics`, `${staffId}.ics`),
  });
  renderLeftOut(plan);
  renderWarnings(plan);
  followProgress(view, plan);
  setShownPlan(plan);
  document.getElementById("downloads").hidden = false;
  const picker = document.getElementById("plan-select");
  if (![...picker.options].some((option) => option.value === plan.id)) {
    picker.prepend(el("option", { value: plan.id, text: `${plan.date} ${plan.area} · ${plan.id.slice(0, 6)}` }));
  }
  picker.value = plan.id;
  setStatus(t("Plan {id} · made {time}", { id: plan.id.slice(0, 8), time: new Date(plan.created_at).toLocaleString("da-DK") }));
}

function wirePage(view) {
  document.getElementById("plan-select").addEventListener("change", async (event) => {
    window.history.pushState({}, "", `/map/${event.target.value}`);
    await showPlan(view, event.target.value);
  });
  window.addEventListener("popstate", async () => {
    const planId = planIdFromPath();
    if (planId) await showPlan(view, planId);
  });
  view.container.addEventListener("eyes:select", (event) => markSelected(event.detail));
  document.getElementById("key-button").addEventListener("click", () => {
    api.forgetKey();
    window.location.reload();
  });
  const toggle = document.getElementById("panel-toggle");
  toggle.addEventListener("click", () => {
    const hidden = document.body.classList.toggle("panel-hidden");
    toggle.setAttribute("aria-expanded", String(!hidden));
    view.map.invalidateSize();
  });
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => {
      const file = button.dataset.download;
      api.download(`/v1/plans/${state.plan.id}/${file}`, `plan-${state.plan.id.slice(0, 8)}-${file}`);
    });
  }
}

async function boot() {
  api.onKeyNeeded(askKey);
  const view = createMap(document.getElementById("map"), {
    tileUrl: meta("eyes-tile-url"),
    tileAttribution: meta("eyes-tile-attribution"),
  });
  addLegend(view);
  wirePage(view);
  try {
    const areas = await api.getJson("/v1/areas");
    state.area = areas.default;
    setAreas(areas);
    const plans = await listPlans(planIdFromPath());
    const planId = planIdFromPath() || (plans[0] && plans[0].id);
    if (planId) await showPlan(view, planId);
    else {
      await showStreets(view, state.area);
      if (view.streetsBounds) fitTo(view.map, view.streetsBounds);
      setStatus(t("No plan yet: plan one from files below."));
    }
    await Promise.all([showAlerts(view), showForecast(view)]);
  } catch (error) {
    setStatus(error instanceof api.ApiError ? error.lines().join("; ") : String(error));
  }
  setupPlanner({
    area: () => state.area,
    forecast: state.forecast
      ? async (area, date) => (await api.getJson(forecastUrl(area || state.area, date, 100))).hotspots
      : null,
    onPlanned: async (plan) => {
      window.history.pushState({}, "", `/map/${plan.id}`);
      await listPlans(plan.id);
      await showPlan(view, plan.id);
    },
  });
  document.body.dataset.ready = "true";
}

boot();
