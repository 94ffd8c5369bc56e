"""The fit's pairs in bounded memory: chunked evaluation and the pair budget, against a
straightforward double loop over records."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from forecast import DEFAULT_PARAMS, fit_risk_params
from forecast import fit as fit_module
from forecast.fit import (
    UNIFORM_SHARE,
    ScoringData,
    _origins,
    negative_log_likelihood,
    params_to_z,
    sample_targets,
    scoring_data,
)
from forecast.history import History, history_at

from .conftest import AS_OF, CPH, at


def _records(seed: int, n: int, side_m: float) -> History:
    """``n`` burglaries over 120 days on a ``side_m`` square (some at the same spot),
    as the history at ``AS_OF`` reaching back far enough for 4 weekly origins."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0, side_m, n), -1)
    y = np.round(rng.uniform(0, side_m, n), -1)
    days = rng.uniform(0.5, 120, n)
    records = [at(f"p{k}", float(x[k]), float(y[k]), float(days[k])) for k in range(n)]
    return history_at(records, as_of=AS_OF, tz=CPH, history_days=400)


def _gauss(d2: float, h: float) -> float:
    return math.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)


def _reference(
    history: History, data: ScoringData, used: list[datetime], z: np.ndarray, targets: list[int]
) -> float:
    """Minus the log likelihood of the given scored burglaries (indices into the history)
    from the weekly origins ``used``, written out record by record from the model's
    formula (``forecast.model``)."""
    p = fit_module.z_to_params(z)
    rho, eta, tau_b = p.fine_share, p.long_term_bandwidth_m, p.long_term_memory_days
    theta, tau_n, sigma = p.near_repeat_strength, p.near_repeat_days, p.near_repeat_bandwidth_m
    c = -math.expm1(-data.horizon_days / tau_n)
    now = history.as_of.astimezone(UTC)
    backs = [(now - o.astimezone(UTC)) / timedelta(days=1) for o in used]
    total = 0.0
    for t in targets:
        # The origin whose week holds the target.
        back = next(b for b in backs if -data.horizon_days <= history.age_days[t] - b < 0)
        k = backs.index(back)
        known = [
            j
            for j in range(len(history))
            if history.known_days[j] >= back and history.age_days[j] - back <= 365
        ]
        ages = {j: float(history.age_days[j] - back) for j in known}
        big_u = sum(math.exp(-a / tau_b) for a in ages.values())
        big_v = sum(math.exp(-a / tau_n) * c for a in ages.values())
        fine = broad = near = 0.0
        for j in known:
            d2 = float(
                (history.x_m[t] - history.x_m[j]) ** 2 + (history.y_m[t] - history.y_m[j]) ** 2
            )
            if d2 > fit_module._REACH_M**2:
                continue
            # The fit counts a record at the very same spot twice (see SAME_SPOT_TWICE).
            times = 2 if SAME_SPOT_TWICE and d2 <= 1e-18 else 1
            u = math.exp(-ages[j] / tau_b) * times
            fine += u * _gauss(d2, DEFAULT_PARAMS.fine_bandwidth_m)
            broad += u * _gauss(d2, eta)
            near += math.exp(-ages[j] / tau_n) * c * times * _gauss(d2, sigma)
        mean = float(data.origin_mean[k])
        expected = mean * (rho * fine + (1 - rho) * broad) / big_u + theta * near
        density = (1 - UNIFORM_SHARE) * expected / (mean + theta * big_v)
        total -= math.log(density + UNIFORM_SHARE / data.area_m2)
    return total


def _scored(history: History, data: ScoringData, used: list[datetime]) -> list[int]:
    """History indices of every burglary scored after the origins ``used``, in the data's
    order."""
    out: list[int] = []
    now = history.as_of.astimezone(UTC)
    for origin in used:
        back = (now - origin.astimezone(UTC)) / timedelta(days=1)
        age = history.age_days - back
        out.extend(np.flatnonzero((age < 0) & (age >= -data.horizon_days)).tolist())
    return out


SAME_SPOT_TWICE = True
"""The fit has always counted an earlier record at exactly the scored burglary's spot twice:
``sparse_distance_matrix(output_type="ndarray")`` keeps zero distances, and the same-spot
pairs are added again on the belief that it leaves them out. The fitted and pooled
parameters (``DEFAULT_PARAMS``) were found that way, so the bounded-memory fit keeps it;
changing it is a change of the model, to be measured on its own."""

Z = params_to_z(DEFAULT_PARAMS) + np.array([0.2, -0.3, 0.1, -0.2, 0.3, -0.25])


@settings(database=None, max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(20, 60),
    side_m=st.sampled_from([300.0, 2000.0, 8000.0]),
    chunk=st.integers(1, 50),
)
def test_chunked_objective_matches_the_written_out_likelihood(
    seed: int, n: int, side_m: float, chunk: int
) -> None:
    """However the pairs are cut into chunks, the objective is the likelihood written out
    record by record (to 1e-9), and its gradient is the one-chunk gradient."""
    history = _records(seed, n, side_m)
    data, used = scoring_data(history, _origins(AS_OF, CPH, 4), history_days=365, horizon_days=7)
    if not used:
        return
    whole, whole_grad = negative_log_likelihood(Z, data)
    original = fit_module.PAIR_CHUNK
    try:
        fit_module.PAIR_CHUNK = chunk
        cut, cut_grad = negative_log_likelihood(Z, data)
    finally:
        fit_module.PAIR_CHUNK = original
    assert cut == pytest.approx(whole, rel=1e-12)
    np.testing.assert_allclose(cut_grad, whole_grad, rtol=1e-9, atol=1e-12)
    assert whole == pytest.approx(
        _reference(history, data, used, Z, _scored(history, data, used)), rel=1e-9
    )


@settings(database=None, max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(30, 60), share=st.floats(0.05, 0.9))
def test_over_budget_the_fit_scores_a_weighted_sample(seed: int, n: int, share: float) -> None:
    """With fewer pairs allowed than there are, the objective is the written-out likelihood
    of a sample of the scored burglaries, times all scored / sampled; the pairs kept fit in
    the budget and ``n_targets`` still counts every scored burglary."""
    history = _records(seed, n, 1500.0)
    origins = _origins(AS_OF, CPH, 4)
    full, used = scoring_data(history, origins, history_days=365, horizon_days=7)
    if not used:
        return
    budget = max(int(share * full.pair_target.size), 1)
    data, _ = scoring_data(history, origins, history_days=365, horizon_days=7, max_pairs=budget)
    scored = _scored(history, full, used)
    assert data.n_targets == full.n_targets == len(scored)
    sampled = data.target_origin.size
    assert 1 <= sampled <= len(scored)
    assert data.target_weight == pytest.approx(len(scored) / sampled)
    # Which were sampled: the same draw sample_targets makes (reach counts every record).
    xy = np.column_stack([history.x_m, history.y_m])
    within = cKDTree(xy).query_ball_point(xy[scored], fit_module._REACH_M, return_length=True)
    keep = sample_targets(np.asarray(within), max_pairs=budget)
    chosen = scored if keep is None else [scored[i] for i in keep]
    assert len(chosen) == sampled
    assert data.pair_target.size <= max(budget, int(within.max()))
    value, _ = negative_log_likelihood(Z, data)
    expected = data.target_weight * _reference(history, data, used, Z, chosen)
    assert value == pytest.approx(expected, rel=1e-9)


def test_sample_targets_keeps_all_within_budget_and_draws_evenly_beyond() -> None:
    """Within the budget nothing is sampled. Beyond it the sample's pairs fit, it is the
    same for the same counts, and over many burglaries of equal pair counts it is spread
    evenly (each quarter of the burglaries gets a quarter of the sample, within 5 points)."""
    pairs = np.full(10_000, 100, dtype=np.intp)
    assert sample_targets(pairs, max_pairs=1_000_000) is None
    keep = sample_targets(pairs, max_pairs=200_000)
    assert keep is not None
    assert keep.size == 2000
    assert np.all(np.diff(keep) > 0)
    np.testing.assert_array_equal(keep, sample_targets(pairs, max_pairs=200_000))
    quarters = np.bincount(keep // 2500, minlength=4) / keep.size
    assert np.all(np.abs(quarters - 0.25) < 0.05)
    one = sample_targets(np.array([5_000, 7_000], dtype=np.intp), max_pairs=10)
    assert one is not None
    assert one.size == 1


def test_a_fit_within_budget_is_the_same_as_with_no_budget() -> None:
    """On a town's records the pair budget changes nothing: the same fit, to the bit, as
    with a budget no data reaches."""
    history = [at(f"r{k}", 37.0 * (k % 23), 53.0 * (k % 17), 0.6 * k + 0.3) for k in range(300)]
    assert fit_risk_params(history, as_of=AS_OF) == fit_risk_params(
        history, as_of=AS_OF, max_pairs=10**12
    )


def test_a_fit_over_budget_is_nearly_as_good_as_the_full_fit() -> None:
    """A fit allowed a third of its pairs scores a third of the 265 burglaries, weighted,
    and its parameters lose little on the full objective: less than 0.03 nats per
    burglary (0.013 measured; the model gains about a nat over a uniform forecast).
    ``incidents`` still counts every scored burglary."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1500, 1500, 400)
    y = rng.uniform(-1500, 1500, 400)
    days = rng.uniform(1, 180, 400)
    fx, fy = x[:200] + rng.normal(0, 100, 200), y[:200] + rng.normal(0, 100, 200)
    fdays = days[:200] - rng.uniform(1, 10, 200)
    records = [
        at(f"s{k}", float(a), float(b), float(d))
        for k, (a, b, d) in enumerate(
            zip(np.r_[x, fx], np.r_[y, fy], np.r_[days, fdays], strict=True)
        )
    ]
    full = fit_risk_params(records, as_of=AS_OF)
    data, _ = fit_module._area_scoring(
        records,
        as_of=AS_OF,
        zone=CPH,
        fit_weeks=12,
        history_days=365,
        horizon_days=7,
        max_pairs=10**12,
    )
    assert data.n_targets == 265
    sampled = fit_risk_params(records, as_of=AS_OF, max_pairs=data.pair_target.size // 3)
    assert sampled.incidents == full.incidents == 265
    assert sampled.params != full.params
    best, _ = negative_log_likelihood(params_to_z(full.params), data)
    near, _ = negative_log_likelihood(params_to_z(sampled.params), data)
    assert (near - best) / data.n_targets < 0.03


def test_max_pairs_must_be_positive() -> None:
    """A budget of no pairs is refused."""
    with pytest.raises(ValueError, match="max_pairs"):
        fit_risk_params([at("a", 0, 0, 3)], as_of=AS_OF, max_pairs=0)
