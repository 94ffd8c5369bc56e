// Moving a Leaflet map so that a page driven by a script can tell when it stands still.
// While the map pans or zooms to new bounds its container carries data-moving; the
// attribute goes when Leaflet reports the move ended ("moveend", which it fires for an
// animated move, a jump and a move to where the map already is). A click meant for a
// marker waits for it: one that lands mid-animation hits the ground the marker left.

export function fitTo(map, bounds, options) {
  const container = map.getContainer();
  map.stop(); // a pan still running ends here, so its "moveend" is not taken for ours
  container.dataset.moving = "";
  map.once("moveend", () => delete container.dataset.moving);
  map.fitBounds(bounds, options);
}
