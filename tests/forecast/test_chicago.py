"""The fitted model on real data: it must beat the 8-week KDE on the Chicago extract."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

from forecast import DEFAULT_PARAMS, Incident, fit_risk_params, forecast_hotspots
from forecast.baselines import kde_surface
from forecast.fit import PRIOR_SD, params_to_z
from forecast.history import history_at
from forecast.projection import LocalProjection
from forecast.selection import select_discs

from .conftest import monday

CHICAGO = ZoneInfo("America/Chicago")
WEEKS = [date(2016, 2, 1) + timedelta(weeks=5 * k) for k in range(5)]
"""Every fifth week of the standard test (Feb 1 to Jun 20), chosen before looking."""


def _hits(incidents: list[Incident], week: date, lat: list[float], lon: list[float]) -> int:
    test = [i for i in incidents if week <= i.start < week + timedelta(days=7)]  # type: ignore[operator,unused-ignore]
    place = LocalProjection(41.84, -87.68)
    cx, cy = place.to_xy(lat, lon)
    tx, ty = place.to_xy([i.lat for i in test], [i.lon for i in test])
    distance, _ = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([tx, ty]))
    return int(np.count_nonzero(distance <= 150.0))


def test_fitted_model_beats_the_eight_week_kde(chicago: list[Incident]) -> None:
    """Over five test weeks (K = 85 discs of 150 m), the model fitted on each week's past
    covers more of the next week's burglaries than an 8-week Gaussian KDE (100 m) given
    the same greedy union selection."""
    ours = kde = 0
    for week in WEEKS:
        as_of = monday(week, CHICAGO)
        spots = forecast_hotspots(chicago, as_of=as_of, count=85, tz="America/Chicago")
        assert len(spots) == 85
        ours += _hits(chicago, week, [s.lat for s in spots], [s.lon for s in spots])
        history = history_at(chicago, as_of=as_of, tz=CHICAGO, history_days=365)
        grid, values = kde_surface(history, bandwidth_m=100, window_days=56, margin_m=150)
        discs = select_discs(
            values, grid, count=85, radius_m=150, record_x_m=history.x_m, record_y_m=history.y_m
        )
        lat, lon = history.projection.to_latlon([d.x_m for d in discs], [d.y_m for d in discs])
        kde += _hits(chicago, week, lat.tolist(), lon.tolist())
    assert ours > kde


def test_a_town_sized_square_stays_nearer_the_pooled_prior_than_the_city(
    chicago: list[Incident],
) -> None:
    """Fitted at 2016-05-02 around the pooled prior, one 5 km square's own records (about
    a hundred a year, the town test's square 5 km E, 20 km S) leave the parameters nearer
    that prior than the whole city's records do, which have some twenty times the
    evidence."""
    place = LocalProjection(41.84, -87.68)
    x, y = place.to_xy([i.lat for i in chicago], [i.lon for i in chicago])
    square = [
        i
        for i, a, b in zip(chicago, np.ravel(x), np.ravel(y), strict=True)
        if 5000 <= a < 10000 and -20000 <= b < -15000
    ]
    assert 40 <= len(square) <= 70
    as_of = monday(date(2016, 5, 2), CHICAGO)
    town = fit_risk_params(square, as_of=as_of, tz="America/Chicago")
    city = fit_risk_params(
        chicago, as_of=as_of, tz="America/Chicago", prior=DEFAULT_PARAMS, prior_sd=PRIOR_SD
    )
    assert town.fitted
    assert city.incidents > 20 * town.incidents
    prior = params_to_z(DEFAULT_PARAMS)
    assert np.linalg.norm(params_to_z(town.params) - prior) < np.linalg.norm(
        params_to_z(city.params) - prior
    )
