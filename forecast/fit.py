"""Fitting the risk model on the history: maximum one-week-ahead (prequential) likelihood.

For each of the last ``fit_weeks`` weekly origins before ``as_of`` (``as_of`` minus 1, 2,
... weeks, local wall clock), the model is built from the records known at that origin
and scored on where the burglaries of the following week happened: the log of the
forecast density (the surface divided by its total, mixed with 1 % of a uniform density
over the area) at each of them. The parameters maximise the sum of those logs plus a
Gaussian prior on each parameter's log (the log-odds of ``fine_share``), so thin data
stay near the prior's centre (empirical Bayes; ``docs/forecast.md``). A town-sized area's
prior is the pooled one, ``DEFAULT_PARAMS`` with ``PRIOR_SD`` (a factor of about 1.65),
fitted by ``fit_pooled_params`` over many areas' records; a city's is the literature's,
as before pooling (``prior_for``). Nothing at or after ``as_of`` is used: the fit is as
honest as the forecast.

Scoring the model the way it is used keeps the fit one-sided in time; an in-sample Hawkes
likelihood with a kernel-density background lets that background see later records and
so undervalues the near-repeat part for forecasting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import minimize
from scipy.spatial import cKDTree

from .history import History, history_at
from .model import DEFAULT_PARAMS, LITERATURE_PARAMS, RiskParams, rate_per_horizon
from .records import DEFAULT_TZ, Incident

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from .projection import FloatArray

UNIFORM_SHARE = 0.01
"""Share of the scored density spread uniformly over the area (a floor for outliers)."""

PRIOR_SD = 0.5
"""Prior standard deviation of each parameter on the optimiser's (log or logit) scale: one
standard deviation is a factor of about 1.65. Chosen on the town test's development
weeks by the next-week likelihood (0.25, 0.5, 1 and 2 tried; see ``docs/forecast.md``)."""

BOUNDS: dict[str, tuple[float, float]] = {
    "fine_share": (0.001, 0.999),
    "long_term_bandwidth_m": (50.0, 1000.0),
    "long_term_memory_days": (14.0, 3650.0),
    "near_repeat_strength": (0.001, 3.0),
    "near_repeat_days": (1.0, 120.0),
    "near_repeat_bandwidth_m": (25.0, 800.0),
}
"""Search bounds of the fitted parameters."""

LITERATURE_SD = 1.0
"""Prior standard deviation around ``LITERATURE_PARAMS`` for areas with a city's evidence
(the prior before issue 21)."""

POOLED_UP_TO = 250
"""Scored burglaries up to which an area's prior is the pooled one (``DEFAULT_PARAMS``,
``PRIOR_SD``): the busiest of the 5 km squares the prior was pooled over scored 247 in
its 12 fitting weeks."""

OWN_FROM = 2000
"""Scored burglaries from which an area's prior is the literature's (``LITERATURE_PARAMS``,
``LITERATURE_SD``), as before issue 21: Chicago as a whole scores 2,100-2,300, and there
the pooled prior cost 0.3 points of hit rate (``docs/forecast.md``). Between the two the
prior moves with the log of the evidence."""

MIN_FIT_INCIDENTS = 1
"""Fewer burglaries than this in the fitting weeks keep the prior's parameters. One: the
posterior mode already weighs an area's evidence against the prior, so a town with a
handful of burglaries stays near the pooled values and a city moves away from them."""

PAIR_BUDGET = 8_000_000
"""Most (scored burglary, earlier record within reach) pairs a fit keeps. Each pair is
evaluated at every step of the optimiser, so their number sets the fit's memory and time,
and it grows with the square of the records' density: seven years of 150,000 records over
9 km^2 bring about 180 million. Beyond the budget the fit scores an even random sample of
the burglaries (seeded, so the same records give the same fit) whose pairs fit in it, each
counting for as many as the sample stands for. Chicago's first half of 2016 brings at most
0.6 million pairs, a town far fewer: their fits score every burglary, as before. On the
dense city of ``bench/forecast_memory.py`` a budget of 4 million lost 0.1-0.55 points of
hit rate against 16 million, 8 million none (``bench/RESULTS.md``, issue 18)."""

PAIR_CHUNK = 1_000_000
"""Pairs the objective evaluates at once: its temporary arrays (about 15 numbers per pair)
stay within about 120 MB however many pairs the fit keeps."""

SAMPLE_SEED = 18
"""Seed of the sample of scored burglaries when their pairs exceed ``PAIR_BUDGET``."""

_NAMES = tuple(BOUNDS)
_REACH_M = 3.0 * max(BOUNDS["long_term_bandwidth_m"][1], BOUNDS["near_repeat_bandwidth_m"][1])


@dataclass(frozen=True, slots=True)
class RiskFit:
    """Parameters for the risk model and how they were obtained.

    Attributes
    ----------
    params
        The parameters to use.
    fitted
        True when fitted on the history, False when the defaults were kept.
    weeks
        Weekly origins scored.
    incidents
        Burglaries scored (those in the weeks after the origins).
    first_origin, last_origin
        The earliest and latest origin scored (aware), None when none was.
    gain_nats
        Mean log-density of the scored burglaries over a uniform forecast, per burglary
        (higher is better; 0 is no better than uniform); None when nothing was scored.
    note
        How the parameters were obtained, in plain words.

    Raises
    ------
    ValueError
        If a count is negative.
    """

    params: RiskParams
    fitted: bool
    weeks: int
    incidents: int
    first_origin: datetime | None
    last_origin: datetime | None
    gain_nats: float | None
    note: str

    def __post_init__(self) -> None:
        if self.weeks < 0 or self.incidents < 0:
            msg = "A fit cannot score a negative number of weeks or burglaries."
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, eq=False)
class ScoringData:
    """What the fitting objective needs, fixed for one fit.

    Pairs are (earlier record known at the origin, scored burglary) within reach; ``age``
    is the earlier record's age at the origin in days. ``target_origin`` lists the scored
    burglaries the pairs refer to: all of them, or a sample when their pairs exceed the
    fit's budget; each then counts ``target_weight`` times (``scored`` / sample size).
    """

    pair_target: NDArray[np.intp]
    pair_d2: FloatArray
    pair_age: FloatArray
    pair_fine: FloatArray
    target_origin: NDArray[np.intp]
    origin_ages: tuple[FloatArray, ...]
    origin_mean: FloatArray
    area_m2: float
    horizon_days: float
    scored: int = -1
    target_weight: float = 1.0

    @property
    def n_targets(self) -> int:
        """Burglaries scored (those the sample stands for, when sampled)."""
        return int(self.target_origin.size) if self.scored < 0 else self.scored


def _gauss(d2: FloatArray, bandwidth_m: float) -> FloatArray:
    h2 = bandwidth_m * bandwidth_m
    return np.exp(-d2 / (2.0 * h2)) / (2.0 * math.pi * h2)


def params_to_z(params: RiskParams) -> FloatArray:
    """The optimiser's coordinates: logit of ``fine_share``, logs of the rest."""
    rho = params.fine_share
    rest = [getattr(params, name) for name in _NAMES[1:]]
    return np.array([math.log(rho / (1.0 - rho)), *map(math.log, rest)])


def z_to_params(
    z: FloatArray, fine_bandwidth_m: float = DEFAULT_PARAMS.fine_bandwidth_m
) -> RiskParams:
    """Inverse of ``params_to_z``."""
    rho = 1.0 / (1.0 + math.exp(-float(z[0])))
    eta, tau_b, theta, tau_n, sigma = (math.exp(float(value)) for value in z[1:])
    return RiskParams(rho, eta, tau_b, theta, tau_n, sigma, fine_bandwidth_m)


def negative_log_posterior(
    z: FloatArray, data: ScoringData, prior_z: FloatArray, prior_sd: float = PRIOR_SD
) -> tuple[float, FloatArray]:
    """The fitting objective and its gradient in ``z`` (see ``params_to_z``).

    Parameters
    ----------
    z
        Coordinates of the parameters.
    data
        The scored burglaries and their pairs.
    prior_z
        Centre of the prior, in the same coordinates.
    prior_sd
        Standard deviation of the prior on each coordinate.

    Returns
    -------
    tuple
        ``(value, gradient)``.
    """
    value, grad = negative_log_likelihood(z, data)
    offset = (z - prior_z) / prior_sd
    return value + 0.5 * float(offset @ offset), grad + offset / prior_sd


def negative_log_likelihood(z: FloatArray, data: ScoringData) -> tuple[float, FloatArray]:
    """Minus the one-week-ahead log likelihood of ``data`` and its gradient in ``z``.

    The pairs are evaluated ``PAIR_CHUNK`` at a time, so the temporary arrays stay bounded
    however many pairs there are.
    """
    rho = 1.0 / (1.0 + math.exp(-float(z[0])))
    eta, tau_b, theta, tau_n, sigma = (math.exp(float(v)) for v in z[1:])
    horizon = data.horizon_days
    c = -math.expm1(-horizon / tau_n)
    c4 = (horizon / tau_n) * math.exp(-horizon / tau_n)
    fine, fine2, broad, broad1, broad2, near, near4, near5 = _pair_sums(
        data, eta=eta, tau_b=tau_b, tau_n=tau_n, sigma=sigma
    )
    sums = np.empty((len(data.origin_ages), 4))
    for k, ages in enumerate(data.origin_ages):
        uk = np.exp(-ages / tau_b)
        dk = np.exp(-ages / tau_n)
        sums[k] = (
            uk.sum(),
            (uk * ages).sum() / tau_b,
            dk.sum() * c,
            (dk * (ages / tau_n * c - c4)).sum(),
        )
    big_u, big_u2, big_v, big_v4 = (sums[data.target_origin, col] for col in range(4))
    mean = data.origin_mean[data.target_origin]

    mix = rho * fine + (1.0 - rho) * broad
    expected = mean * mix / big_u + theta * near
    total = mean + theta * big_v
    q = expected / total
    density = (1.0 - UNIFORM_SHARE) * q + UNIFORM_SHARE / data.area_m2
    w = (1.0 - UNIFORM_SHARE) / (density * total)

    grad = np.array(
        [
            np.sum(w * mean * (fine - broad) / big_u) * rho * (1.0 - rho),
            np.sum(w * mean * (1.0 - rho) * broad1 / big_u),
            np.sum(
                w * mean * ((rho * fine2 + (1.0 - rho) * broad2) / big_u - mix * big_u2 / big_u**2)
            ),
            np.sum(w * (theta * near - q * theta * big_v)),
            np.sum(w * (theta * near4 - q * theta * big_v4)),
            np.sum(w * theta * near5),
        ]
    )
    weight = data.target_weight
    return -weight * float(np.sum(np.log(density))), -weight * grad


def _pair_sums(
    data: ScoringData, *, eta: float, tau_b: float, tau_n: float, sigma: float
) -> list[FloatArray]:
    """Per scored burglary, the sums over its pairs that ``negative_log_likelihood`` needs:
    fine, fine2, broad, broad1, broad2, near, near4, near5 (see there)."""
    n = int(data.target_origin.size)
    horizon = data.horizon_days
    c = -math.expm1(-horizon / tau_n)
    c4 = (horizon / tau_n) * math.exp(-horizon / tau_n)
    totals: list[FloatArray] = []
    for lo in range(0, max(data.pair_target.size, 1), PAIR_CHUNK):
        part = slice(lo, lo + PAIR_CHUNK)
        age, d2, tgt = data.pair_age[part], data.pair_d2[part], data.pair_target[part]
        pair_fine = data.pair_fine[part]
        u = np.exp(-age / tau_b)
        u2 = u * age / tau_b
        kb = _gauss(d2, eta)
        kb1 = kb * (d2 / (eta * eta) - 2.0)
        decay = np.exp(-age / tau_n)
        v = decay * c
        v4 = decay * (age / tau_n * c - c4)
        kn = _gauss(d2, sigma)
        kn5 = kn * (d2 / (sigma * sigma) - 2.0)

        def per_target(values: FloatArray, tgt: NDArray[np.intp] = tgt) -> FloatArray:
            return np.asarray(np.bincount(tgt, weights=values, minlength=n), dtype=float)

        sums = [
            per_target(u * pair_fine),
            per_target(u2 * pair_fine),
            per_target(u * kb),
            per_target(u * kb1),
            per_target(u2 * kb),
            per_target(v * kn),
            per_target(v4 * kn),
            per_target(v * kn5),
        ]
        totals = sums if not totals else [t + s for t, s in zip(totals, sums, strict=True)]
    return totals


def _origins(as_of: datetime, tz: ZoneInfo, weeks: int) -> list[datetime]:
    local = as_of.astimezone(tz)
    return [local - timedelta(days=7 * k) for k in range(1, weeks + 1)]


def scoring_data(
    history: History,
    origins: Sequence[datetime],
    *,
    history_days: float,
    horizon_days: float,
    max_pairs: int = PAIR_BUDGET,
) -> tuple[ScoringData, list[datetime]]:
    """Pairs and per-origin sums for the objective.

    Parameters
    ----------
    history
        Records known at ``as_of`` (reaching back ``history_days`` before the oldest origin).
    origins
        Candidate weekly origins (aware), before ``history.as_of``.
    history_days
        How far back each origin looks.
    horizon_days
        Length of each scored period.
    max_pairs
        Most pairs to keep: beyond it a sample of the scored burglaries
        (``sample_targets``), each counting for as many as the sample stands for.

    Returns
    -------
    tuple
        The data, and the origins actually scored (those with a full horizon of records
        before them and at least one burglary after).
    """
    used: list[datetime] = []
    targets: list[NDArray[np.intp]] = []
    origin_ages: list[FloatArray] = []
    means: list[float] = []
    now = history.as_of.astimezone(UTC)
    for origin in origins:
        back = (now - origin.astimezone(UTC)) / timedelta(days=1)
        at_origin = history.age_days - back
        known = (history.known_days >= back) & (at_origin <= history_days)
        scored = np.flatnonzero((at_origin < 0.0) & (at_origin >= -horizon_days))
        if not known.any() or scored.size == 0:
            continue
        span = float(at_origin[known].max())
        if span < horizon_days:
            continue
        used.append(origin)
        targets.append(scored)
        origin_ages.append(at_origin[known])
        means.append(rate_per_horizon(int(known.sum()), span, horizon_days))
    empty = np.empty(0)
    if not used:
        data = ScoringData(
            np.empty(0, np.intp),
            empty,
            empty,
            empty,
            np.empty(0, np.intp),
            (),
            empty,
            1.0,
            horizon_days,
        )
        return data, used
    target_index = np.concatenate(targets)
    target_origin = np.concatenate(
        [np.full(t.size, k, dtype=np.intp) for k, t in enumerate(targets)]
    )
    n_scored = int(target_index.size)
    xy = np.column_stack([history.x_m, history.y_m])
    tree = cKDTree(xy)
    sample = sample_targets(
        np.asarray(tree.query_ball_point(xy[target_index], _REACH_M, return_length=True)),
        max_pairs=max_pairs,
    )
    if sample is not None:
        target_index, target_origin = target_index[sample], target_origin[sample]
    target_tree = cKDTree(xy[target_index])
    near = target_tree.sparse_distance_matrix(tree, _REACH_M, output_type="ndarray")
    pt = np.asarray(near["i"], dtype=np.intp)
    source = np.asarray(near["j"], dtype=np.intp)
    # Same-position pairs are added here on the belief that sparse_distance_matrix leaves
    # out zero distances; with output_type="ndarray" it keeps them, so they count twice.
    # The pooled parameters were fitted that way, so it stays until measured on its own
    # (tests/forecast/test_pairs.py, SAME_SPOT_TWICE).
    same = target_tree.query_ball_tree(tree, 1e-9)
    zero_t = np.repeat(np.arange(len(same)), [len(s) for s in same]).astype(np.intp)
    zero_s = np.fromiter(
        (s for group in same for s in group), dtype=np.intp, count=int(zero_t.size)
    )
    del same
    pt = np.concatenate([pt, zero_t])
    source = np.concatenate([source, zero_s])
    d2 = np.concatenate([np.asarray(near["v"], dtype=float) ** 2, np.zeros(zero_t.size)])
    del near
    backs = np.array([(now - o.astimezone(UTC)) / timedelta(days=1) for o in used])
    back = backs[target_origin[pt]]
    age = history.age_days[source] - back
    keep = (history.known_days[source] >= back) & (age <= history_days)
    pt, d2, age = pt[keep], d2[keep], age[keep]
    span_x = float(np.ptp(history.x_m)) + 2000.0
    span_y = float(np.ptp(history.y_m)) + 2000.0
    data = ScoringData(
        pair_target=pt,
        pair_d2=d2,
        pair_age=age,
        pair_fine=_gauss(d2, DEFAULT_PARAMS.fine_bandwidth_m),
        target_origin=target_origin,
        origin_ages=tuple(origin_ages),
        origin_mean=np.array(means),
        area_m2=span_x * span_y,
        horizon_days=horizon_days,
        scored=n_scored,
        target_weight=n_scored / target_index.size,
    )
    return data, used


def sample_targets(pairs: NDArray[np.intp], *, max_pairs: int) -> NDArray[np.intp] | None:
    """Which scored burglaries to keep so their pairs fit in ``max_pairs``.

    Parameters
    ----------
    pairs
        Pairs within reach of each scored burglary.
    max_pairs
        The budget.

    Returns
    -------
    ndarray or None
        None when all fit. Otherwise the positions, in increasing order, of the longest
        prefix of a seeded random order (``SAMPLE_SEED``) of the burglaries whose pairs fit,
        at least one: an even random sample, the same for the same records.
    """
    if int(pairs.sum()) <= max_pairs:
        return None
    order = np.random.default_rng(SAMPLE_SEED).permutation(pairs.size)
    fits = int(np.searchsorted(np.cumsum(pairs[order]), max_pairs, side="right"))
    return np.sort(order[: max(fits, 1)])


def fit_risk_params(
    incidents: Sequence[Incident],
    *,
    as_of: datetime,
    tz: str = DEFAULT_TZ,
    fit_weeks: int = 12,
    history_days: float = 365.0,
    horizon_days: float = 7.0,
    min_fit_incidents: int = MIN_FIT_INCIDENTS,
    prior: RiskParams | None = None,
    prior_sd: float | None = None,
    max_pairs: int = PAIR_BUDGET,
) -> RiskFit:
    """Fit the risk model's parameters on the records before ``as_of``.

    The fit is the posterior mode: the one-week-ahead log likelihood plus a Gaussian prior
    on the optimiser's coordinates, so an area with few burglaries to score stays near the
    prior's centre and one with many moves to what its own records say. By default the
    prior depends on how many burglaries the area scores (``prior_for``): a town's is the
    pooled prior, a city's the literature's.

    Parameters
    ----------
    incidents
        All records (those not known at ``as_of`` are ignored).
    as_of
        The forecast moment (aware); origins are 1 to ``fit_weeks`` weeks before it.
    tz
        Time zone of date-only records and of the weekly origins' wall clock.
    fit_weeks
        How many weekly origins to score.
    history_days
        How far back each origin's model looks.
    horizon_days
        Length of each scored period.
    min_fit_incidents
        Fewer scored burglaries than this keep the prior's centre as it is.
    prior
        Centre of the prior, and the parameters kept when there is too little to fit on;
        None: by the area's evidence (``prior_for``).
    prior_sd
        Prior standard deviation on each (log or logit) coordinate; smaller holds the fit
        closer to the centre. None: ``PRIOR_SD`` with a given ``prior``, else by evidence.
    max_pairs
        Most (earlier record, scored burglary) pairs the fit keeps (``PAIR_BUDGET``); beyond
        it the fit scores a seeded random sample of the burglaries.

    Returns
    -------
    RiskFit

    Raises
    ------
    ValueError
        If ``as_of`` is naive or a count or ``prior_sd`` is not positive.
    """
    if fit_weeks < 1 or min_fit_incidents < 1 or max_pairs < 1:
        msg = "fit_weeks, min_fit_incidents and max_pairs must be at least 1."
        raise ValueError(msg)
    if prior_sd is not None and not prior_sd > 0:
        msg = f"prior_sd must be positive, got {prior_sd}."
        raise ValueError(msg)
    zone = ZoneInfo(tz)
    if not incidents:
        kept = DEFAULT_PARAMS if prior is None else prior
        return RiskFit(kept, False, 0, 0, None, None, None, "default parameters: no records")
    data, used = _area_scoring(
        incidents,
        as_of=as_of,
        zone=zone,
        fit_weeks=fit_weeks,
        history_days=history_days,
        horizon_days=horizon_days,
        max_pairs=max_pairs,
    )
    if prior is None:
        centre, sd = prior_for(data.n_targets)
    else:
        centre, sd = params_to_z(prior), PRIOR_SD
    if prior_sd is not None:
        sd = prior_sd
    if data.n_targets < min_fit_incidents:
        note = (
            f"default parameters: only {data.n_targets} burglaries in the {fit_weeks} weeks "
            f"before as_of to fit on (at least {min_fit_incidents} needed)"
        )
        if prior is not None:
            kept = prior
        elif data.n_targets <= POOLED_UP_TO:
            kept = DEFAULT_PARAMS
        else:
            kept = z_to_params(centre)
        return RiskFit(kept, False, len(used), data.n_targets, None, None, None, note)
    z, log_lik = _maximise([data], centre, sd)
    gain = log_lik / data.n_targets + math.log(data.area_m2)
    note = (
        f"fitted on {len(used)} weekly forecasts ({data.n_targets} burglaries) "
        f"from {min(used):%Y-%m-%d} to {max(used):%Y-%m-%d}"
    )
    return RiskFit(
        z_to_params(z), True, len(used), data.n_targets, min(used), max(used), gain, note
    )


def prior_for(scored: int) -> tuple[FloatArray, float]:
    """The prior for an area whose fit scores ``scored`` burglaries: centre (in
    ``params_to_z`` coordinates) and standard deviation.

    Up to ``POOLED_UP_TO`` the pooled prior (``DEFAULT_PARAMS``, ``PRIOR_SD``), from
    ``OWN_FROM`` the literature's (``LITERATURE_PARAMS``, ``LITERATURE_SD``), in between
    both moved linearly in the log of ``scored``. The pooled prior describes areas like
    those it was pooled over; a city's records are not a town's.

    Parameters
    ----------
    scored
        Burglaries the fit scores.

    Returns
    -------
    tuple
        ``(centre_z, sd)``.
    """
    share = math.log(max(scored, 1) / POOLED_UP_TO) / math.log(OWN_FROM / POOLED_UP_TO)
    w = min(max(share, 0.0), 1.0)
    centre = (1.0 - w) * params_to_z(DEFAULT_PARAMS) + w * params_to_z(LITERATURE_PARAMS)
    return centre, (1.0 - w) * PRIOR_SD + w * LITERATURE_SD


def fit_pooled_params(
    areas: Sequence[Sequence[Incident]],
    *,
    as_of: datetime,
    tz: str = DEFAULT_TZ,
    fit_weeks: int = 12,
    history_days: float = 365.0,
    horizon_days: float = 7.0,
    prior: RiskParams = DEFAULT_PARAMS,
    prior_sd: float | FloatArray = PRIOR_SD,
    max_pairs: int = PAIR_BUDGET,
) -> RiskFit:
    """One parameter set for many areas: the summed one-week-ahead likelihood of each area's
    forecasts from its own records.

    This is the pooled level of the empirical Bayes fit: each area's model sees only its
    own records (as a municipality's would), but the parameters are shared, so sparse
    areas borrow strength from the rest. Use the result as ``prior`` of
    ``fit_risk_params`` for one area.

    Parameters
    ----------
    areas
        Each area's records.
    as_of, tz, fit_weeks, history_days, horizon_days, prior, max_pairs
        As in ``fit_risk_params`` (the pair budget is each area's).
    prior_sd
        As in ``fit_risk_params``, or one per coordinate (``params_to_z``'s order): a tiny
        one pins that parameter at the prior's value.

    Returns
    -------
    RiskFit
        ``weeks`` counts area-weeks; ``gain_nats`` is the mean over all scored burglaries.

    Raises
    ------
    ValueError
        If ``as_of`` is naive.
    """
    zone = ZoneInfo(tz)
    datas: list[ScoringData] = []
    used_all: list[datetime] = []
    for incidents in areas:
        if not incidents:
            continue
        data, used = _area_scoring(
            incidents,
            as_of=as_of,
            zone=zone,
            fit_weeks=fit_weeks,
            history_days=history_days,
            horizon_days=horizon_days,
            max_pairs=max_pairs,
        )
        if data.n_targets:
            datas.append(data)
            used_all.extend(used)
    n = sum(d.n_targets for d in datas)
    if n == 0:
        return RiskFit(prior, False, 0, 0, None, None, None, "default parameters: no records")
    z, log_lik = _maximise(datas, params_to_z(prior), prior_sd)
    gain = (log_lik + sum(d.n_targets * math.log(d.area_m2) for d in datas)) / n
    note = f"pooled over {len(datas)} areas ({len(used_all)} area-weeks, {n} burglaries)"
    return RiskFit(z_to_params(z), True, len(used_all), n, min(used_all), max(used_all), gain, note)


def _area_scoring(
    incidents: Sequence[Incident],
    *,
    as_of: datetime,
    zone: ZoneInfo,
    fit_weeks: int,
    history_days: float,
    horizon_days: float,
    max_pairs: int,
) -> tuple[ScoringData, list[datetime]]:
    reach_days = history_days + 7.0 * fit_weeks + horizon_days
    history = history_at(incidents, as_of=as_of, tz=zone, history_days=reach_days)
    return scoring_data(
        history,
        _origins(as_of, zone, fit_weeks),
        history_days=history_days,
        horizon_days=horizon_days,
        max_pairs=max_pairs,
    )


def _maximise(
    datas: Sequence[ScoringData], prior_z: FloatArray, prior_sd: float | FloatArray
) -> tuple[FloatArray, float]:
    """The posterior mode over the summed likelihood of ``datas``, and that log likelihood."""

    def objective(z: FloatArray) -> tuple[float, FloatArray]:
        value, grad = 0.0, np.zeros_like(z)
        for data in datas:
            v, g = negative_log_likelihood(z, data)
            value += v
            grad += g
        offset = (z - prior_z) / prior_sd
        return value + 0.5 * float(offset @ offset), grad + offset / prior_sd

    bounds = [
        (math.log(lo / (1 - lo)), math.log(hi / (1 - hi)))
        if name == "fine_share"
        else (math.log(lo), math.log(hi))
        for name, (lo, hi) in BOUNDS.items()
    ]
    result = minimize(objective, prior_z, jac=True, method="L-BFGS-B", bounds=bounds)
    z = np.asarray(result.x, dtype=float)
    log_lik = -sum(negative_log_likelihood(z, data)[0] for data in datas)
    return z, log_lik
