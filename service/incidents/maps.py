"""The report's map picture (PNG): local areas shaded by risk, the streets drawn thin,
hotspots marked, and the OpenStreetMap attribution, ready to paste into a status report.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
state, safe in a server thread). matplotlib is imported only when a map is drawn.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from forecast.projection import LocalProjection

from ..i18n import N_, _

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    from graphs import StreetNetwork

    from .reports import AreaReport

ATTRIBUTION = "© OpenStreetMap contributors"
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 8.0, 120
MARGIN_M = 400.0
TRENDS = {"rising": N_("rising"), "falling": N_("falling"), "steady": N_("steady")}
"""A trend as the picture says it."""


def _projector(
    report: AreaReport, network: StreetNetwork | None
) -> Callable[[Any, Any], tuple[Any, Any]]:
    """(lats, lons) -> metric (x, y): the network's UTM, else a projection on the data."""
    if network is not None:
        transformer = network.to_metric

        def to_xy(lats: Any, lons: Any) -> tuple[Any, Any]:
            x, y = transformer.transform(
                np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
            )
            return np.asarray(x), np.asarray(y)

        return to_xy
    coords = [shapely.get_coordinates(la.polygon) for la in report.polygons]
    points = np.concatenate(coords) if coords else np.empty((0, 2))
    lats = points[:, 1].tolist() or [h.lat for h in report.hotspots] or [55.7]
    lons = points[:, 0].tolist() or [h.lon for h in report.hotspots] or [12.5]
    projection = LocalProjection.around(lats, lons)
    return lambda lats_, lons_: projection.to_xy(lats_, lons_)


def _rings(polygon: Polygon | MultiPolygon) -> list[np.ndarray]:
    parts = polygon.geoms if isinstance(polygon, MultiPolygon) else [polygon]
    return [np.asarray(part.exterior.coords) for part in parts]


def report_map_png(
    report: AreaReport, *, network: StreetNetwork | None = None, area_title: str | None = None
) -> bytes:
    """The report's map as PNG bytes (1200 x 960 pixels), in the language of the moment.

    Parameters
    ----------
    report
        The report (local areas with their expected burglaries, hotspots).
    network
        The area's street network: its streets are drawn thin. None: no streets.
    area_title
        The area's name as people write it ("Rønne"); default: the report's area name.

    Returns
    -------
    bytes
        A PNG image.
    """
    fig = report_figure(report, network=network, area_title=area_title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def report_figure(
    report: AreaReport, *, network: StreetNetwork | None = None, area_title: str | None = None
) -> Figure:
    """The report's map as a matplotlib figure (see `report_map_png`); no two of its texts
    overlap (labels that would are moved aside or, failing that, left out)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle
    from matplotlib.patches import Polygon as PolygonPatch

    to_xy = _projector(report, network)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)  # the canvas the labels are measured on and the PNG drawn by
    ax = fig.add_axes((0.02, 0.08, 0.8, 0.82))
    ax.set_axis_off()
    ax.set_aspect("equal")

    risk = {n.name: n.expected_next_7_days for n in report.local_areas}
    norm = Normalize(vmin=0.0, vmax=max([*risk.values(), 1e-9]))
    cmap = _colormap()
    patches: list[Any] = []
    colours: list[float] = []
    xs_all: list[float] = []
    ys_all: list[float] = []
    for la in report.polygons:
        for ring in _rings(la.polygon):
            x, y = to_xy(ring[:, 1], ring[:, 0])
            patches.append(PolygonPatch(np.column_stack([x, y]), closed=True))
            colours.append(risk.get(la.name, 0.0))
            xs_all += list(x)
            ys_all += list(y)
    areas = PatchCollection(patches, cmap=cmap, norm=norm, alpha=0.75, zorder=1)
    areas.set_array(np.asarray(colours, dtype=float))
    areas.set_edgecolor("#444444")
    areas.set_linewidth(0.8)
    ax.add_collection(areas)
    counts = {n.name: n.last_4_weeks for n in report.local_areas}
    area_labels = []
    for la in sorted(report.polygons, key=lambda p: -counts.get(p.name, 0)):
        spot = la.polygon.representative_point()
        x, y = to_xy([spot.y], [spot.x])
        label = f"{la.name}\n{counts.get(la.name, 0)}"
        area_labels.append(
            ax.text(float(x[0]), float(y[0]), label, ha="center", va="center", fontsize=7, zorder=4)
        )

    rank_labels = []
    for rank, hotspot in enumerate(report.hotspots, start=1):
        x, y = to_xy([hotspot.lat], [hotspot.lon])
        hx, hy = float(x[0]), float(y[0])
        ax.add_patch(
            Circle((hx, hy), hotspot.radius_m, fill=False, edgecolor="#1f3fbf", lw=1.4, zorder=5)
        )
        ax.plot([hx], [hy], marker="o", color="#1f3fbf", markersize=4, zorder=6)
        rank_label = ax.annotate(
            str(rank),
            (hx, hy),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color="#1f3fbf",
            weight="bold",
            zorder=6,
        )
        rank_labels.append(rank_label)
        xs_all += [hx - hotspot.radius_m, hx + hotspot.radius_m]
        ys_all += [hy - hotspot.radius_m, hy + hotspot.radius_m]

    if not xs_all:
        xs_all, ys_all = [0.0, 1000.0], [0.0, 1000.0]
    x0, x1 = min(xs_all) - MARGIN_M, max(xs_all) + MARGIN_M
    y0, y1 = min(ys_all) - MARGIN_M, max(ys_all) + MARGIN_M
    if network is not None:
        view = shapely.box(x0, y0, x1, y1)
        lines = [np.asarray(g.coords) for g in network.edge_geoms_m if g.intersects(view)]
        ax.add_collection(
            LineCollection(lines, colors="#333333", linewidths=0.4, alpha=0.7, zorder=2)
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)

    colourbar_ax = fig.add_axes((0.85, 0.2, 0.025, 0.6))
    mappable = areas
    bar = fig.colorbar(mappable, cax=colourbar_ax)
    bar.set_label(_("expected burglaries, next 7 days"))
    total = report.total
    title = fig.suptitle(
        _(
            "Burglaries in {area}, as of {day}",
            area=area_title or report.area,
            day=f"{report.as_of:%Y-%m-%d}",
        ),
        fontsize=14,
    )
    counts_line = (
        _(
            "Last 4 weeks: {last} (4 weeks before: {previous}, same weeks last year: "
            "{last_year}), {trend}.",
            last=total.last_4_weeks,
            previous=total.previous_4_weeks,
            last_year=total.same_weeks_last_year,
            trend=_(TRENDS[total.trend]),
        )
        if total.same_weeks_last_year is not None
        else _(
            "Last 4 weeks: {last} (4 weeks before: {previous}), {trend}.",
            last=total.last_4_weeks,
            previous=total.previous_4_weeks,
            trend=_(TRENDS[total.trend]),
        )
    )
    legend = _("Numbers: burglaries per local area in the last 4 weeks; circles: hotspots.")
    summary = fig.text(
        0.02, 0.905, textwrap.fill(f"{counts_line} {legend}", 140), fontsize=9, va="bottom"
    )
    credit = fig.text(0.99, 0.01, ATTRIBUTION, ha="right", va="bottom", fontsize=8, color="#333333")
    _declutter(fig, [title, summary, credit, *rank_labels, *area_labels])
    return fig


def _declutter(fig: Figure, labels: Sequence[Text]) -> None:
    """Keep the map's labels apart: in order (the first are kept first), each label that
    overlaps one already placed tries four nearby places, and is hidden if none is free."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's
    placed: list[Bbox] = []
    for label in labels:
        box = label.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            x, y = label.get_position()
            to_data = label.axes.transData.inverted() if label.axes is not None else None
            moved = False
            for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                if to_data is None:
                    break
                shift_x = dx * (box.width / 2 + 2)
                shift_y = dy * (box.height + 2)
                x0, y0 = to_data.transform((0.0, 0.0))
                x1, y1 = to_data.transform((shift_x, shift_y))
                label.set_position((x + (x1 - x0), y + (y1 - y0)))
                box = label.get_window_extent(renderer)
                if not any(box.overlaps(other) for other in placed):
                    moved = True
                    break
            if not moved:
                label.set_position((x, y))
                label.set_visible(False)
                continue
        placed.append(box)


def _colormap() -> Any:
    from matplotlib import colormaps

    return colormaps["YlOrRd"]
