// The phone's map: the route's line, its numbered stops (done ones green, the next one
// orange), the police alerts' areas and the phone's own position. Tiles only where the
// deployment names a tile server (EYES_MAP_TILE_URL); else the route on a plain ground.
// Leaflet is the global L (vendored).
import { el } from "../format.js";
import { t } from "../i18n.js";
import { fitTo } from "../moves.js";

const OSM = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

export function createPhoneMap(container, { tileUrl, tileAttribution }) {
  const map = L.map(container, { zoomSnap: 0.5, zoomControl: false, tap: true });
  L.control.zoom({ zoomInTitle: t("Zoom in"), zoomOutTitle: t("Zoom out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution(`${t("Streets")} ${OSM}`);
  if (tileUrl) L.tileLayer(tileUrl, { attribution: tileAttribution, maxZoom: 19 }).addTo(map);
  map.setView([56.2, 10.5], 7);
  return {
    map,
    container,
    fittedVersion: null,
    layers: {
      alerts: L.layerGroup().addTo(map),
      route: L.layerGroup().addTo(map),
      stops: L.layerGroup().addTo(map),
      me: L.layerGroup().addTo(map),
    },
  };
}

function alertShape(area) {
  const style = { color: "#9a0000", weight: 3, fillOpacity: 0.12, className: "eyes-alert" };
  if (area && area.type === "Polygon") {
    return L.polygon(area.coordinates.map((ring) => ring.map(([lon, lat]) => [lat, lon])), style);
  }
  if (area && area.center) return L.circle([area.center.lat, area.center.lon], { ...style, radius: area.radius_m });
  return null;
}

// The view (GET /v1/field/{token}) with its stops as the page knows them.
export function drawRoute(view, field, stops, next) {
  const { layers } = view;
  for (const layer of Object.values(layers)) if (layer !== layers.me) layer.clearLayers();
  const bounds = L.latLngBounds([]);
  if (field.line && field.line.length > 1) {
    const line = L.polyline(field.line.map(([lon, lat]) => [lat, lon]), {
      color: "#003a8c",
      weight: 5,
      opacity: 0.9,
      className: "eyes-route",
    }).addTo(layers.route);
    bounds.extend(line.getBounds());
  }
  for (const stop of stops) {
    const classes = ["eyes-stop"];
    if (stop.done || stop.waiting) classes.push("is-done");
    if (next && next.stop_id === stop.stop_id) classes.push("is-next");
    L.marker([stop.lat, stop.lon], {
      icon: L.divIcon({ className: classes.join(" "), html: el("span", { text: String(stop.order) }), iconSize: [26, 26] }),
      title: `${stop.order}`,
      keyboard: false,
    }).addTo(layers.stops);
    bounds.extend([stop.lat, stop.lon]);
  }
  for (const alert of field.alerts || []) {
    const shape = alertShape(alert.area);
    if (shape) shape.bindPopup(el("p", { text: `${alert.area_name}: ${alert.message}` })).addTo(layers.alerts);
  }
  if (view.fittedVersion !== field.version && bounds.isValid()) {
    fitTo(view.map, bounds, { padding: [20, 20], maxZoom: 16 });
    view.fittedVersion = field.version;
  }
  view.container.dataset.stops = String(stops.length);
  view.container.dataset.alerts = String((field.alerts || []).length);
}

export function showMe(view, fix) {
  view.layers.me.clearLayers();
  L.circleMarker([fix.lat, fix.lon], {
    radius: 9,
    color: "#fff",
    weight: 3,
    fillColor: "#1a73e8",
    fillOpacity: 1,
    className: "eyes-me",
  })
    .bindTooltip(t("You are here"))
    .addTo(view.layers.me);
}
