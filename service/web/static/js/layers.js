// The map and what is drawn on it: streets from the street graph, routes, stops, hotspots,
// hotspots left out, police alerts, the forecast, and the evening as it goes: each staff
// member's last checked-in position and the staff's tips. Leaflet is the global L.
import { el, hhmm, routeColour, stopKind, tipCategory, weight, weightColour, weightRadius } from "./format.js";
import { t } from "./i18n.js";
import { fitTo } from "./moves.js";

const OSM = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
const STREET_STYLE = {
  major: { color: "#8a94a6", weight: 3 },
  minor: { color: "#b8bfcc", weight: 1.6 },
  other: { color: "#d3d8e0", weight: 1 },
};
const PANES = { streets: 250, alerts: 380, forecast: 390, hotspots: 410, routes: 420, live: 640 };

export function createMap(container, { tileUrl, tileAttribution }) {
  const map = L.map(container, { zoomSnap: 0.25, zoomControl: false });
  L.control.zoom({ zoomInTitle: t("Zoom in"), zoomOutTitle: t("Zoom out") }).addTo(map);
  // Leaflet's own words: the layers button and a popup's close button.
  map.on("popupopen", (event) => {
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) close.setAttribute("aria-label", t("Close popup"));
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution(`${t("Streets")} ${OSM}`);
  for (const [name, zIndex] of Object.entries(PANES)) map.createPane(name).style.zIndex = zIndex;
  const view = {
    map,
    container,
    streetsRenderer: L.canvas({ pane: "streets", padding: 0.3 }),
    layers: {
      streets: L.layerGroup().addTo(map),
      routes: L.layerGroup().addTo(map),
      stops: L.layerGroup().addTo(map),
      hotspots: L.layerGroup().addTo(map),
      leftOut: L.layerGroup().addTo(map),
      alerts: L.layerGroup().addTo(map),
      forecast: L.layerGroup(),
      positions: L.layerGroup().addTo(map),
      tips: L.layerGroup().addTo(map),
    },
    routes: new Map(), // staff_id -> { line, markers }
    selected: null,
    forecastWhy: new Map(),
  };
  const overlays = {
    [t("Streets")]: view.layers.streets,
    [t("Routes")]: view.layers.routes,
    [t("Stops")]: view.layers.stops,
    [t("Hotspots")]: view.layers.hotspots,
    [t("Left out")]: view.layers.leftOut,
    [t("Police alerts")]: view.layers.alerts,
    [t("Last positions")]: view.layers.positions,
    [t("Tips")]: view.layers.tips,
  };
  const bases = {};
  if (tileUrl) {
    bases[t("Tiles")] = L.tileLayer(tileUrl, { attribution: tileAttribution, maxZoom: 19 }).addTo(map);
    bases[t("No tiles")] = L.layerGroup();
  }
  view.control = L.control.layers(bases, overlays, { collapsed: true }).addTo(map);
  const toggle = view.control.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (toggle) toggle.title = t("Layers");
  L.control.scale({ imperial: false }).addTo(map);
  map.setView([56.2, 10.5], 7);
  return view;
}

// Paths of the walk and bike networks, drawn under the drive network's streets: where a
// route leaves the roads its footpath or cycle track shows.
const PATH_STYLE = {
  walk: { color: "#7a9a6b", weight: 1.4, dashArray: "4 3" },
  bike: { color: "#6b86a8", weight: 1.4, dashArray: "6 3" },
};

// The streets of each travel mode given ({drive: FeatureCollection, walk: ..., bike: ...}).
export function drawStreets(view, byMode) {
  view.layers.streets.clearLayers();
  for (const mode of ["walk", "bike"]) {
    if (!byMode[mode]) continue;
    L.geoJSON(byMode[mode], {
      renderer: view.streetsRenderer,
      interactive: false,
      style: () => PATH_STYLE[mode],
    }).addTo(view.layers.streets);
  }
  const collection = byMode.drive;
  L.geoJSON(collection, {
    renderer: view.streetsRenderer,
    interactive: false,
    style: (feature) => STREET_STYLE[feature.properties.class] || STREET_STYLE.other,
  }).addTo(view.layers.streets);
  const count = (c) => c.features.reduce((n, f) => n + f.properties.segments, 0);
  view.container.dataset.streetSegments = String(count(collection));
  view.container.dataset.streetModes = Object.keys(byMode).sort().join(" ");
  for (const [mode, streets] of Object.entries(byMode)) {
    view.container.dataset[`streetSegments${mode[0].toUpperCase()}${mode.slice(1)}`] = String(count(streets));
  }
  view.streetsBounds = collection.bbox
    ? L.latLngBounds([collection.bbox[1], collection.bbox[0]], [collection.bbox[3], collection.bbox[2]])
    : null;
}

function popup(title, rows, note) {
  return el(
    "div",
    { class: "popup" },
    el("strong", { text: title }),
    el("dl", {}, ...rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })])),
    note ? el("p", { class: "why", text: note }) : null,
  );
}

function why(view, stop) {
  if (stop.kind === "visit") return t("Client visit: mandatory, kept inside its time window.");
  const covers = stop.visit_number > 1
    ? t("Hotspot: covers weight {weight} (visit {visit}, worth less than the first).", {
      weight: weight(stop.weight),
      visit: stop.visit_number,
    })
    : t("Hotspot: covers weight {weight}.", { weight: weight(stop.weight) });
  const reason = view.forecastWhy.get(stop.id);
  return reason ? `${covers} ${reason}` : covers;
}

function stopPopup(view, route, order, stop) {
  const rows = [
    [t("Staff member"), route.staff_id],
    [t("Arrive"), hhmm(stop.arrival)],
    [
      t("Start"),
      stop.wait_min >= 1
        ? t("{time} (waits {minutes} min)", { time: hhmm(stop.start), minutes: Math.round(stop.wait_min) })
        : hhmm(stop.start),
    ],
    [t("Leave"), hhmm(stop.departure)],
    [t("On site"), t("{minutes} min", { minutes: Math.round(stop.dwell_min) })],
  ];
  return popup(`${order}. ${stopKind(stop.kind)} ${stop.id}`, rows, why(view, stop));
}

function numberIcon(order, colour, kind) {
  const badge = el("span", { text: String(order) });
  if (kind !== "visit") {
    badge.style.background = colour;
    return L.divIcon({ className: `eyes-stop eyes-stop--${kind}`, html: badge, iconSize: [22, 22] });
  }
  // A client visit: a numbered house in the route's colour, unlike the round hotspot stops
  // and the start / end square.
  const house = el("span", { class: "eyes-visit-house" }, badge);
  house.style.background = colour;
  return L.divIcon({ className: "eyes-stop eyes-stop--visit", html: house, iconSize: [24, 26] });
}

const latLng = (location) => [location.lat, location.lon];

// Mark a drawn layer's element with its staff member (none while its layer is hidden).
function tag(layer, staffId) {
  const element = layer.getElement();
  if (element) element.dataset.staff = staffId;
}

function visitedHotspots(plan) {
  const byId = new Map();
  for (const route of plan.routes) {
    for (const stop of route.stops) {
      if (stop.kind !== "hotspot" || stop.location.lat === null) continue;
      const known = byId.get(stop.id);
      if (!known || stop.weight > known.weight) byId.set(stop.id, { ...stop });
    }
  }
  return [...byId.values()];
}

// Routes, numbered stops, hotspots sized and coloured by weight, and those left out.
export function drawPlan(view, plan, geojson) {
  for (const layer of ["routes", "stops", "hotspots", "leftOut"]) view.layers[layer].clearLayers();
  view.routes.clear();
  view.selected = null;
  const features = geojson ? geojson.features : [];
  const lines = new Map(
    features.filter((f) => f.properties.feature === "route").map((f) => [f.properties.staff_id, f]),
  );
  const leftOutPoints = new Map(
    features.filter((f) => f.properties.feature === "left_out").map((f) => [f.properties.id, f]),
  );
  const hotspots = visitedHotspots(plan);
  const heaviest = Math.max(0, ...hotspots.map((h) => h.weight), ...plan.left_out.map((h) => h.weight));
  for (const hotspot of hotspots) {
    L.circleMarker(latLng(hotspot.location), {
      pane: "hotspots",
      className: "eyes-hotspot",
      radius: weightRadius(hotspot.weight, heaviest),
      color: "#7f2704",
      weight: 1,
      fillColor: weightColour(hotspot.weight, heaviest),
      fillOpacity: 0.75,
    })
      .bindTooltip(t("{id}: weight {weight}", { id: hotspot.id, weight: weight(hotspot.weight) }))
      .addTo(view.layers.hotspots);
  }
  for (const item of plan.left_out) {
    const point = leftOutPoints.get(item.hotspot_id);
    if (!point) continue;
    const [lon, lat] = point.geometry.coordinates;
    L.circleMarker([lat, lon], {
      pane: "hotspots",
      className: "eyes-left-out",
      radius: weightRadius(item.weight, heaviest),
      color: "#555",
      weight: 1.5,
      dashArray: "3 3",
      fillColor: "#bbb",
      fillOpacity: 0.5,
    })
      .bindPopup(popup(t("Left out: {id}", { id: item.hotspot_id }), [[t("Weight"), weight(item.weight)]], item.detail))
      .addTo(view.layers.leftOut);
  }
  const depots = new Set();
  plan.routes.forEach((route, index) => {
    const colour = routeColour(index);
    const entry = { line: null, markers: [], colour };
    const feature = lines.get(route.staff_id);
    if (feature) {
      entry.line = L.polyline(
        feature.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
        { pane: "routes", color: colour, weight: 4, opacity: 0.85, className: "eyes-route" },
      )
        .bindTooltip(`${route.staff_id} · ${route.name}`, { sticky: true })
        .on("click", () => select(view, route.staff_id))
        .addTo(view.layers.routes);
      tag(entry.line, route.staff_id);
    }
    route.stops.forEach((stop, order) => {
      if (stop.location.lat === null) return;
      if (stop.kind === "start" || stop.kind === "end") {
        const key = `${stop.location.lat},${stop.location.lon}`;
        if (depots.has(key)) return;
        depots.add(key);
        L.marker(latLng(stop.location), {
          icon: L.divIcon({ className: "eyes-depot", iconSize: [14, 14] }),
          title: t("Start / end"),
          keyboard: false,
        }).addTo(view.layers.stops);
        return;
      }
      const marker = L.marker(latLng(stop.location), {
        icon: numberIcon(order, colour, stop.kind),
        title: `${route.staff_id} ${order}: ${stop.id} ${hhmm(stop.start)}`,
        riseOnHover: true,
      })
        .bindPopup(() => stopPopup(view, route, order, stop))
        .addTo(view.layers.stops);
      tag(marker, route.staff_id);
      entry.markers.push(marker);
    });
    view.routes.set(route.staff_id, entry);
  });
  const bounds = L.latLngBounds([]);
  view.layers.routes.eachLayer((layer) => bounds.extend(layer.getBounds()));
  view.layers.stops.eachLayer((layer) => bounds.extend(layer.getLatLng()));
  view.layers.leftOut.eachLayer((layer) => bounds.extend(layer.getLatLng()));
  if (bounds.isValid()) fitTo(view.map, bounds, { padding: [24, 24] });
  else if (view.streetsBounds) fitTo(view.map, view.streetsBounds);
  view.container.dataset.plan = plan.id;
}

const SELECTED_Z_OFFSET = 10000;

// Highlight one staff member's route (dim the others); the same again clears it.
export function select(view, staffId) {
  view.selected = view.selected === staffId ? null : staffId;
  for (const [id, entry] of view.routes) {
    const active = view.selected === id;
    const dim = view.selected !== null && !active;
    const elements = [entry.line && entry.line.getElement(), ...entry.markers.map((m) => m.getElement())];
    for (const element of elements.filter(Boolean)) {
      element.classList.toggle("is-active", active);
      element.classList.toggle("is-dim", dim);
    }
    // The selected route's stops sit above everyone else's: where two staff stop at the
    // same hotspot, the one a dispatcher picked is the one that answers a click.
    for (const marker of entry.markers) marker.setZIndexOffset(active ? SELECTED_Z_OFFSET : 0);
    if (active && entry.line) {
      entry.line.bringToFront();
      fitTo(view.map, entry.line.getBounds(), { padding: [32, 32], maxZoom: 16 });
    }
  }
  view.container.dataset.selected = view.selected || "";
  view.container.dispatchEvent(new CustomEvent("eyes:select", { detail: view.selected }));
}

const SEVERITY_COLOUR = { info: "#2c7fb8", warning: "#d95f0e", urgent: "#c51b8a" };
const SEVERITIES = { info: t("info"), warning: t("warning"), urgent: t("urgent") };

// Police alerts valid now, as circles or polygons.
export function drawAlerts(view, alerts) {
  view.layers.alerts.clearLayers();
  for (const alert of alerts) {
    const colour = SEVERITY_COLOUR[alert.severity] || SEVERITY_COLOUR.warning;
    const style = { pane: "alerts", color: colour, weight: 2, fillOpacity: 0.12, className: "eyes-alert" };
    const area = alert.area;
    const shape = area.type === "Polygon"
      ? L.polygon(area.coordinates.map((ring) => ring.map(([lon, lat]) => [lat, lon])), style)
      : L.circle([area.center.lat, area.center.lon], { ...style, radius: area.radius_m });
    const severity = Object.hasOwn(SEVERITIES, alert.severity) ? SEVERITIES[alert.severity] : alert.severity;
    const rows = [
      [t("Severity"), severity],
      [t("Valid"), `${hhmm(alert.valid_from)}–${hhmm(alert.valid_until)}`],
      [t("Recipients"), String(alert.recipient_count ?? alert.recipients_band ?? "")],
    ];
    shape
      .bindPopup(popup(t("Police alert: {area}", { area: alert.area_name }), rows, alert.message || ""))
      .addTo(view.layers.alerts);
  }
  view.container.dataset.alerts = String(alerts.length);
}

// The burglary forecast's hotspots (a layer of their own, off until chosen).
export function drawForecast(view, hotspots) {
  view.layers.forecast.clearLayers();
  view.forecastWhy = new Map(hotspots.map((h) => [h.id, h.why]));
  const heaviest = Math.max(0, ...hotspots.map((h) => h.weight));
  for (const hotspot of hotspots) {
    const windows = (hotspot.windows || []).map((w) => `${w.start}–${w.end}`).join(", ");
    L.circleMarker([hotspot.lat, hotspot.lon], {
      pane: "forecast",
      className: "eyes-forecast",
      radius: weightRadius(hotspot.weight, heaviest),
      color: "#6a51a3",
      weight: 1.5,
      dashArray: "4 3",
      fillColor: "#9e9ac8",
      fillOpacity: 0.35,
    })
      .bindPopup(
        popup(
          t("Forecast {id}", { id: hotspot.id }),
          [
            [t("Weight"), weight(hotspot.weight)],
            [t("When"), windows || t("any time")],
          ],
          hotspot.why,
        ),
      )
      .addTo(view.layers.forecast);
  }
  if (!view.forecastInControl) {
    view.control.addOverlay(view.layers.forecast, t("Forecast (records)"));
    view.forecastInControl = true;
  }
  view.container.dataset.forecast = String(hotspots.length);
}

// Each staff member's last checked-in position (GET /v1/plans/{id}/progress).
export function drawPositions(view, progress) {
  view.layers.positions.clearLayers();
  let shown = 0;
  for (const staff of progress.staff) {
    if (!staff.last_position) continue;
    const entry = view.routes.get(staff.staff_id);
    const marker = L.marker(staff.last_position, {
      pane: "live",
      icon: L.divIcon({ className: "eyes-position", iconSize: [16, 16] }),
      title: t("{staff}: last seen {time}", { staff: staff.staff_id, time: hhmm(staff.last_seen_at) }),
      keyboard: false,
    }).addTo(view.layers.positions);
    const element = marker.getElement();
    if (entry && element) element.style.borderColor = entry.colour;
    tag(marker, staff.staff_id);
    shown += 1;
  }
  view.container.dataset.positions = String(shown);
}

// The staff's tips (GET /v1/tips): a marker each where it has a position.
export function drawTips(view, tips) {
  view.layers.tips.clearLayers();
  for (const tip of tips) {
    if (tip.lat === null || tip.lon === null) continue;
    const rows = [
      [t("When"), hhmm(tip.at)],
      [t("Staff member"), tip.staff_id || "–"],
      [t("For the police"), tip.for_police ? t("yes") : t("no")],
    ];
    L.marker([tip.lat, tip.lon], {
      pane: "live",
      icon: L.divIcon({ className: "eyes-tip", html: el("span", {}, el("b", { text: "!" })), iconSize: [20, 20] }),
      title: tipCategory(tip.category),
    })
      .bindPopup(popup(tipCategory(tip.category), rows, tip.text))
      .addTo(view.layers.tips);
  }
  view.container.dataset.tips = String(tips.length);
}

// What the marks mean, in a corner of the map.
export function addLegend(view) {
  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = () =>
    el(
      "div",
      { class: "legend" },
      el("span", { class: "legend-hotspot", text: t("hotspot (size and colour: weight)") }),
      el("span", { class: "legend-left-out", text: t("left out") }),
      el("span", { class: "legend-stop", text: t("hotspot stop, numbered") }),
      el("span", { class: "legend-visit", text: t("client visit (kept), numbered") }),
      el("span", { class: "legend-depot", text: t("start / end") }),
      el("span", { class: "legend-alert", text: t("police alert") }),
      el("span", { class: "legend-position", text: t("last checked-in position") }),
      el("span", { class: "legend-tip", text: t("tip from the staff") }),
    );
  legend.addTo(view.map);
}
