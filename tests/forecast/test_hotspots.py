"""``forecast_hotspots`` on tiny hand-checkable cases."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from forecast import (
    DEFAULT_PARAMS,
    EveningWindow,
    HotspotForecast,
    Incident,
    RiskFit,
    forecast_hotspots,
)
from forecast.hotspots import explain
from forecast.model import LITERATURE_PARAMS

from .conftest import AS_OF, at, metres_from


def test_cluster_ranks_before_a_lone_burglary() -> None:
    """Three old burglaries within 60 m of each other outrank one as old 3 km away; the
    first disc holds all three."""
    records = [
        at("a", 0, 0, 100),
        at("b", 40, 30, 110),
        at("c", -20, 50, 120),
        at("far", 3000, 0, 100),
    ]
    first, *rest = forecast_hotspots(records, as_of=AS_OF, count=2)
    for x_m, y_m in [(0, 0), (40, 30), (-20, 50)]:
        assert metres_from(first.lat, first.lon, x_m, y_m) <= 150
    assert rest
    assert metres_from(rest[0].lat, rest[0].lon, 3000, 0) <= 150
    assert first.weight > rest[0].weight


def test_recent_burglary_outranks_an_older_pair() -> None:
    """One burglary 3 days ago outranks two at one spot 200 days ago: the near-repeat boost
    outweighs the long-term count, and it is the recent hotspot that carries the boost
    (with the literature's parameters: the pooled prior's stronger, wider near repeats put
    the second disc beside the first)."""
    records = [at("new", 0, 0, 3), at("old1", 3000, 0, 200), at("old2", 3000, 5, 201)]
    fit = RiskFit(LITERATURE_PARAMS, True, 12, 500, None, None, None, "given")
    first, second = forecast_hotspots(records, as_of=AS_OF, count=2, fit=fit)
    assert metres_from(first.lat, first.lon, 0, 0) <= 150
    assert metres_from(second.lat, second.lon, 3000, 0) <= 150
    assert first.near_repeat_share > 0.3 > 0.01 > second.near_repeat_share
    assert "1 in the last 8 weeks" in first.why


def test_records_after_as_of_are_ignored() -> None:
    """Burglaries after as_of, or whose span runs past it, change nothing."""
    records = [at("a", 0, 0, 10), at("b", 50, 0, 20), at("c", 2000, 0, 30)]
    later = [
        at("future", 2000, 0, -3),
        Incident(
            "straddles",
            records[2].lat,
            records[2].lon,
            AS_OF - timedelta(hours=2),
            AS_OF + timedelta(hours=1),
        ),
    ]
    assert forecast_hotspots([*records, *later], as_of=AS_OF, count=3) == forecast_hotspots(
        records, as_of=AS_OF, count=3
    )


def test_sparse_data_falls_back_to_the_long_term_pattern_and_says_so() -> None:
    """Twelve burglaries in a year, one in the last 8 weeks: every hotspot says the forecast
    follows the long-term pattern and that the parameters rest on the pooled prior (two
    burglaries in the fitting weeks)."""
    records = [at(f"r{k}", 400 * (k % 3), 0, 30 * k + 70) for k in range(11)] + [
        at("recent", 2500, 0, 20)
    ]
    spots = forecast_hotspots(records, as_of=AS_OF, count=4)
    assert spots
    for spot in spots:
        assert "few recent records (1 in the whole area in 8 weeks)" in spot.why
        assert spot.why.endswith(
            "; model parameters mostly pooled from other areas (only 2 burglaries here to fit "
            "them on)"
        )
    assert spots[0].why.startswith("long-term pattern: 4 burglaries within 150 m in ")


def test_lone_burglary_gets_a_centre_away_from_its_door() -> None:
    """A disc holding one burglary (or repeats at one address) is centred at least 50 m
    from it, yet still covers it; the centre is never the record's own position."""
    for records in ([at("a", 0, 0, 5)], [at("a", 0, 0, 5), at("b", 3, 0, 40), at("c", 0, 2, 90)]):
        (spot,) = forecast_hotspots(records, as_of=AS_OF, count=1)
        assert 50 <= metres_from(spot.lat, spot.lon, 0, 0) <= 150


def test_hotspots_are_ranked_and_respect_the_count() -> None:
    """At most `count` hotspots, positive weights, highest first, with the asked radius."""
    records = [at(f"r{k}", 300 * (k % 7), 200 * (k % 5), 2 + 5 * k) for k in range(40)]
    spots = forecast_hotspots(records, as_of=AS_OF, count=6, radius_m=200)
    assert len(spots) == 6
    assert [s.weight for s in spots] == sorted((s.weight for s in spots), reverse=True)
    assert all(s.weight > 0 and s.radius_m == 200 for s in spots)


def test_few_records_give_fewer_hotspots_than_asked() -> None:
    """One burglary cannot justify 85 discs: the surface runs out and fewer come back."""
    assert 1 <= len(forecast_hotspots([at("a", 0, 0, 5)], as_of=AS_OF, count=85)) < 85


def test_evening_windows_come_from_the_disc_records_times() -> None:
    """Records 'between 18:00 and 20:00' in a disc propose 18:00-20:00; date-only ones none."""
    timed = [at(f"t{k}", 10 * k, 0, 3 + k, hours=(18, 20)) for k in range(3)]
    (spot,) = forecast_hotspots(timed, as_of=AS_OF, count=1)
    assert spot.windows == (EveningWindow(time(18), time(20), 1.0),)
    (plain,) = forecast_hotspots(
        [at(f"d{k}", 10 * k, 0, 3 + k) for k in range(3)], as_of=AS_OF, count=1
    )
    assert plain.windows == ()


def test_given_fit_is_used_and_nothing_known_gives_nothing() -> None:
    """A given fit skips fitting; no record known at as_of gives an empty list."""
    fit = RiskFit(DEFAULT_PARAMS, True, 12, 500, None, None, None, "given")
    (spot,) = forecast_hotspots([at("a", 0, 0, 5)], as_of=AS_OF, count=1, fit=fit)
    assert "default model parameters" not in spot.why
    assert forecast_hotspots([at("a", 0, 0, -5)], as_of=AS_OF, count=1) == []
    assert forecast_hotspots([], as_of=AS_OF, count=1) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": datetime(2024, 11, 25)}, "time zone"),
        ({"count": 0}, "count"),
        ({"radius_m": 150, "cell_m": 200}, "cell_m"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    """A naive as_of, no hotspots asked for, or cells larger than the disc are refused."""
    options: dict[str, object] = {"as_of": AS_OF, "count": 3} | kwargs
    with pytest.raises(ValueError, match=message):
        forecast_hotspots([at("a", 0, 0, 5)], **options)  # type: ignore[arg-type]


def test_hotspot_checks_itself() -> None:
    """A hotspot with no weight or a share outside 0..1 is refused."""
    with pytest.raises(ValueError, match="positive weight"):
        HotspotForecast(55.7, 12.5, 150, 0.0, 0.0, "x")
    with pytest.raises(ValueError, match="near_repeat_share"):
        HotspotForecast(55.7, 12.5, 150, 1.0, 1.5, "x")


def test_why_leads_with_whichever_part_brings_more() -> None:
    """Recent burglaries bringing most of the weight lead the sentence; otherwise the
    long-term count does; a thin area and default parameters are said."""
    recent = explain(
        radius_m=150,
        near_repeat_share=0.6,
        last_week=2,
        recent=7,
        long_term=9,
        weeks=26,
        area_recent=40,
        fitted=True,
    )
    assert recent == (
        "7 burglaries within 150 m in the last 8 weeks, 2 in the last 7 days; "
        "9 within 150 m in 26 weeks"
    )
    long_term = explain(
        radius_m=150,
        near_repeat_share=0.2,
        last_week=0,
        recent=1,
        long_term=12,
        weeks=26,
        area_recent=5,
        fitted=False,
    )
    assert long_term == (
        "long-term pattern: 12 burglaries within 150 m in 26 weeks; 1 in the last 8 weeks, "
        "0 in the last 7 days; few recent records (5 in the whole area in 8 weeks), so the "
        "forecast follows the long-term pattern; "
        "default model parameters (too few records to fit them)"
    )


def test_a_fit_on_few_burglaries_says_the_parameters_are_mostly_pooled() -> None:
    """A fit that scored 1 or 49 burglaries adds the pooled-prior note (singular and
    plural); one that scored 50 does not."""
    counts = {
        "radius_m": 150,
        "near_repeat_share": 0.2,
        "last_week": 0,
        "recent": 3,
        "long_term": 4,
        "weeks": 30,
        "area_recent": 40,
        "fitted": True,
    }
    assert explain(**counts, scored=1).endswith(  # type: ignore[arg-type]
        "; model parameters mostly pooled from other areas (only 1 burglary here to fit them on)"
    )
    assert "(only 49 burglaries here" in explain(**counts, scored=49)  # type: ignore[arg-type]
    assert "pooled" not in explain(**counts, scored=50)  # type: ignore[arg-type]


class Marking:
    """A translator that marks every text it is asked for."""

    def gettext(self, message: str, /) -> str:
        from forecast import texts

        key = next(k for k, v in texts.ENGLISH.items() if v == message)
        return f"<{key}>" + message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return "<burglaries.one>" + singular if n == 1 else "<burglaries.many>" + plural


def test_every_why_text_comes_from_the_texts_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A translator that marks what it translates marks every part of a `why`: no English
    is built outside `forecast.texts`."""
    from forecast import texts

    monkeypatch.setattr(texts, "_translator", Marking())
    records = [at(f"r{k}", 400 * (k % 3), 0, 30 * k + 70) for k in range(11)] + [
        at("recent", 2500, 0, 20)
    ]
    (spot, *_) = forecast_hotspots(records, as_of=AS_OF, count=4)
    assert spot.why.startswith("<lead.long_term>long-term pattern: <burglaries.many>4 ")
    assert "<note.few_recent>" in spot.why
    assert "<note.mostly_pooled>" in spot.why
