"""Fitting the model on the history: one-week-ahead likelihood, honest in time."""

from __future__ import annotations

import math
from datetime import UTC, timedelta

import numpy as np
import pytest

from forecast import DEFAULT_PARAMS, Incident, RiskFit, fit_risk_params
from forecast.fit import (
    LITERATURE_SD,
    OWN_FROM,
    POOLED_UP_TO,
    PRIOR_SD,
    _origins,
    fit_pooled_params,
    negative_log_posterior,
    params_to_z,
    prior_for,
    scoring_data,
    z_to_params,
)
from forecast.history import history_at
from forecast.model import LITERATURE_PARAMS

from .conftest import AS_OF, CPH, PLACE, at


def _synthetic(*, near_repeats: bool, seed: int = 7) -> list[Incident]:
    """400 burglaries over 180 days at random in a 6 km square; with ``near_repeats`` half
    of them are followed 1-10 days later by one about 100 m away (which, when shuffled in
    time, keeps the map and loses the near repeats)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3000, 3000, 400)
    y = rng.uniform(-3000, 3000, 400)
    days = rng.uniform(1, 180, 400)
    follow = rng.random(400) < 0.5
    fx = x[follow] + rng.normal(0, 100, follow.sum())
    fy = y[follow] + rng.normal(0, 100, follow.sum())
    fdays = days[follow] - rng.uniform(1, 10, follow.sum())
    all_x, all_y = np.r_[x, fx], np.r_[y, fy]
    all_days = np.r_[days, fdays]
    if not near_repeats:
        all_days = rng.permutation(all_days)
    return [
        at(f"s{k}", float(a), float(b), float(d))
        for k, (a, b, d) in enumerate(zip(all_x, all_y, all_days, strict=True))
    ]


def test_gradient_matches_finite_differences() -> None:
    """The objective's analytic gradient agrees with central differences to 1e-6."""
    records = _synthetic(near_repeats=True)
    history = history_at(records, as_of=AS_OF, tz=CPH, history_days=500)
    data, used = scoring_data(history, _origins(AS_OF, CPH, 6), history_days=365, horizon_days=7)
    assert len(used) == 6
    prior = params_to_z(DEFAULT_PARAMS)
    z = prior + np.array([0.3, -0.2, 0.1, 0.2, -0.1, 0.15])
    _, grad = negative_log_posterior(z, data, prior)
    for k in range(6):
        step = np.zeros(6)
        step[k] = 1e-5
        ahead, _ = negative_log_posterior(z + step, data, prior)
        behind, _ = negative_log_posterior(z - step, data, prior)
        assert grad[k] == pytest.approx((ahead - behind) / 2e-5, rel=1e-6, abs=1e-6)


def test_fit_recovers_simulated_near_repeats() -> None:
    """Half of the burglaries followed 1-10 days later ~100 m away: the fit finds strength
    about 0.5, a delay of days and a spread near 100 m. With the dates shuffled, the map
    still clusters in space but without the short delay (more than 60 days)."""
    with_repeats = fit_risk_params(_synthetic(near_repeats=True), as_of=AS_OF)
    shuffled = fit_risk_params(_synthetic(near_repeats=False), as_of=AS_OF)
    assert with_repeats.fitted
    assert shuffled.fitted
    assert with_repeats.params.near_repeat_strength == pytest.approx(0.5, abs=0.15)
    assert 2 < with_repeats.params.near_repeat_days < 10
    assert 50 < with_repeats.params.near_repeat_bandwidth_m < 150
    assert shuffled.params.near_repeat_days > 60
    assert with_repeats.gain_nats is not None
    assert shuffled.gain_nats is not None
    assert with_repeats.gain_nats > shuffled.gain_nats


def test_fit_uses_nothing_at_or_after_as_of() -> None:
    """Adding burglaries after as_of leaves the fitted parameters exactly as they were."""
    records = _synthetic(near_repeats=True)
    later = [at(f"later{k}", 100.0 * k, 0, -1 - k) for k in range(30)]
    assert fit_risk_params([*records, *later], as_of=AS_OF) == fit_risk_params(records, as_of=AS_OF)


def test_the_prior_weighs_less_as_the_evidence_grows() -> None:
    """Twenty-one burglaries in twelve weeks are fitted, but the prior still shows: fitted
    from the pooled prior and from the literature's, the two fits stay far apart (about
    half the priors' distance); with the 600 simulated burglaries they nearly agree."""

    def gap(records: list[Incident]) -> float:
        pooled = fit_risk_params(records, as_of=AS_OF, prior=DEFAULT_PARAMS)
        literature = fit_risk_params(records, as_of=AS_OF, prior=LITERATURE_PARAMS)
        assert pooled.fitted
        assert literature.fitted
        return float(np.linalg.norm(params_to_z(pooled.params) - params_to_z(literature.params)))

    priors = float(np.linalg.norm(params_to_z(DEFAULT_PARAMS) - params_to_z(LITERATURE_PARAMS)))
    thin = gap([at(f"r{k}", 100.0 * k, 0, 4 * k + 1) for k in range(30)])
    rich = gap(_synthetic(near_repeats=True))
    assert thin > 0.35 * priors
    assert rich < 0.5 * thin


def test_nothing_to_score_keeps_the_defaults_and_says_why() -> None:
    """No burglary in the twelve fitting weeks (or fewer than asked for): the defaults,
    with a note naming the count."""
    old = [at(f"r{k}", 100.0 * k, 0, 100 + 3 * k) for k in range(30)]
    fit = fit_risk_params(old, as_of=AS_OF)
    assert not fit.fitted
    assert fit.params == DEFAULT_PARAMS
    assert fit.note.startswith("default parameters: only 0 burglaries in the 12 weeks")
    thin = [at(f"r{k}", 100.0 * k, 0, 4 * k + 1) for k in range(30)]
    kept = fit_risk_params(thin, as_of=AS_OF, min_fit_incidents=50, prior=LITERATURE_PARAMS)
    assert not kept.fitted
    assert kept.params == LITERATURE_PARAMS
    assert kept.note.startswith("default parameters: only 21 burglaries")
    assert fit_risk_params([], as_of=AS_OF).note == "default parameters: no records"


def test_pooling_two_copies_of_an_area_halves_the_prior_variance() -> None:
    """Pooled over an area and a copy of it 50 km away, the likelihood counts twice, so the
    pooled fit equals the one-area fit with the prior's standard deviation times sqrt 2."""
    records = _synthetic(near_repeats=True)
    copy = []
    for record in records:
        x, y = PLACE.to_xy(record.lat, record.lon)
        days = (AS_OF.date() - record.start).days  # type: ignore[operator,unused-ignore]
        copy.append(at(f"c{record.id}", float(x) + 50_000.0, float(y), float(days)))
    pooled = fit_pooled_params([records, copy], as_of=AS_OF, tz="Europe/Copenhagen")
    single = fit_risk_params(
        records, as_of=AS_OF, prior=DEFAULT_PARAMS, prior_sd=PRIOR_SD * math.sqrt(2.0)
    )
    assert pooled.incidents == 2 * single.incidents
    np.testing.assert_allclose(
        params_to_z(pooled.params), params_to_z(single.params), rtol=0, atol=2e-3
    )
    with pytest.raises(ValueError, match="prior_sd"):
        fit_risk_params(records, as_of=AS_OF, prior_sd=0.0)


def test_origins_are_local_weekly_midnights() -> None:
    """Origins step back whole local weeks, across the change from summer time."""
    origins = _origins(AS_OF, CPH, 6)
    assert [(o.weekday(), o.hour) for o in origins] == [(0, 0)] * 6
    assert AS_OF.astimezone(UTC) - origins[-1].astimezone(UTC) == timedelta(weeks=6, hours=1)


def test_coordinates_round_trip_and_bad_options_are_refused() -> None:
    """params_to_z and z_to_params are inverse; fit_weeks below 1 is refused."""
    back = z_to_params(params_to_z(DEFAULT_PARAMS))
    assert back.fine_share == pytest.approx(DEFAULT_PARAMS.fine_share)
    assert math.isclose(back.near_repeat_days, DEFAULT_PARAMS.near_repeat_days)
    with pytest.raises(ValueError, match="fit_weeks"):
        fit_risk_params([], as_of=AS_OF, fit_weeks=0)
    with pytest.raises(ValueError, match="negative"):
        RiskFit(DEFAULT_PARAMS, False, -1, 0, None, None, None, "x")


def test_the_prior_is_the_pooled_one_for_a_town_and_the_literatures_for_a_city() -> None:
    """Up to 250 scored burglaries the prior is the pooled one, from 2,000 the literature's
    (as before pooling); halfway in the log (about 707) it lies halfway between in centre
    and width."""
    pooled, literature = params_to_z(DEFAULT_PARAMS), params_to_z(LITERATURE_PARAMS)
    for scored in (0, 1, 20, POOLED_UP_TO):
        centre, sd = prior_for(scored)
        np.testing.assert_allclose(centre, pooled)
        assert sd == PRIOR_SD
    for scored in (OWN_FROM, 5000):
        centre, sd = prior_for(scored)
        np.testing.assert_allclose(centre, literature)
        assert sd == LITERATURE_SD
    centre, sd = prior_for(round(math.sqrt(POOLED_UP_TO * OWN_FROM)))
    np.testing.assert_allclose(centre, (pooled + literature) / 2, atol=1e-3)
    assert sd == pytest.approx((PRIOR_SD + LITERATURE_SD) / 2, abs=1e-3)
