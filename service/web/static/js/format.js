// Times in Copenhagen, numbers, colours and the kinds of stop, as the page shows them.
import { t } from "./i18n.js";

const clock = new Intl.DateTimeFormat("da-DK", {
  timeZone: "Europe/Copenhagen",
  hour: "2-digit",
  minute: "2-digit",
});

export const hhmm = (iso) => clock.format(new Date(iso)).replace(".", ":");

export function km(value) {
  return value === null || value === undefined ? "–" : `${value.toFixed(1)} km`;
}

export const weight = (value) => (Math.round(value * 10) / 10).toString();

const STOP_KINDS = { start: t("start"), end: t("end"), hotspot: t("hotspot"), visit: t("visit") };

// A stop's kind in words (one the page does not know as the plan says it).
export const stopKind = (kind) => (Object.hasOwn(STOP_KINDS, kind) ? STOP_KINDS[kind] : kind);

const TIP_CATEGORIES = {
  street_light: t("Street light out"),
  open_door_window: t("Open door or window"),
  suspicious_vehicle: t("Suspicious vehicle"),
  suspicious_person: t("Suspicious person"),
  damage: t("Damage to a lock or fence"),
  other: t("Other"),
};

// A tip's category in words.
export const tipCategory = (category) => (Object.hasOwn(TIP_CATEGORIES, category) ? TIP_CATEGORIES[category] : category);

// Distinct colours for routes (Tableau 10, readable on a light map).
const ROUTE_COLOURS = [
  "#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1",
  "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#6b6ecf",
];

export const routeColour = (index) => ROUTE_COLOURS[index % ROUTE_COLOURS.length];

// Hotspot fill from light yellow to dark red by weight relative to the heaviest.
const RAMP = ["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];

export function weightColour(value, heaviest) {
  const share = heaviest > 0 ? value / heaviest : 0;
  return RAMP[Math.min(RAMP.length - 1, Math.floor(share * RAMP.length))];
}

export const weightRadius = (value, heaviest) =>
  5 + 11 * Math.sqrt(heaviest > 0 ? value / heaviest : 0);

// An element with text (never HTML from the API) and children.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
