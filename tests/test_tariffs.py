"""Tiered tariffs: the 阶梯 notation, 适用月份, 大户加档 and the charge, with hand-computed examples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.domain.money import round_line
from propcli.domain.tariffs import (
    Tier, TariffError, TierPart, charge_total, extend_tiers, format_tiers, parse_large_household, parse_months,
    parse_tiers, tiered_charge,
)

D = Decimal
BJ_POWER = "0-240:0.4883;240-400:0.5383;400-:0.7883"  # Beijing residential electricity, monthly
BJ_WATER = "0-180:5;180-260:7;260-:9"  # Beijing residential water, yearly
GD_SUMMER = "0-260:0.5902;260-600:0.6402;600-:0.8902"  # Guangdong electricity, 5–10月
GD_WINTER = "0-200:0.5902;200-400:0.6402;400-:0.8902"  # Guangdong electricity, 11–4月


# ---- notation --------------------------------------------------------------------------------------

def test_parse_tiers() -> None:
    assert parse_tiers(BJ_POWER) == (
        Tier(D(0), D(240), D("0.4883")),
        Tier(D(240), D(400), D("0.5383")),
        Tier(D(400), None, D("0.7883")),
    )


@pytest.mark.parametrize(
    "text",
    [
        "0-240:0.4883; 240-400:0.5383; 400-:0.7883",
        " 0 - 240 : 0.4883 ;240-400:0.5383;400- : 0.7883 ",
        "0-240：0.4883；240-400：0.5383；400-：0.7883",  # full-width colon and semicolon
        "０-２４０:０.４８８３;２４０-４００:０.５３８３;４００-:０.７８８３",  # full-width digits
        "0～240:0.4883，240~400:0.5383，400—:0.7883",  # ～ ~ — dashes, full-width comma
        "0-240:0.4883,240-400:0.5383,400-:0.7883",
        "0-240:0.4883\n240-400:0.5383\r\n400-:0.7883",  # one tier per line in the cell
        "0-240:0.4883;240-400:0.5383;400-:0.7883;",  # a trailing separator
        "0－240:0.4883;240－400:0.5383;400－:0.7883",  # full-width hyphen
    ],
)
def test_parse_tiers_tolerates(text: str) -> None:
    assert parse_tiers(text) == parse_tiers(BJ_POWER)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "tiers.syntax"),
        ("   ", "tiers.syntax"),
        ("abc", "tiers.syntax"),
        ("0-240", "tiers.syntax"),  # no price
        ("0-240:;240-:0.6", "tiers.syntax"),
        ("0-240:-0.5;240-:0.6", "tiers.syntax"),  # a negative price
        ("0-240:0.5元;240-:0.6", "tiers.syntax"),
        ("0-240:0.5;250-:0.6", "tiers.gap"),  # 240..250 has no price
        ("0-240:0.5;200-:0.6", "tiers.gap"),  # 200..240 has two
        ("10-240:0.5;240-:0.6", "tiers.gap"),  # 0..10 has none
        ("0-240:0.5;240-200:0.6;200-:0.7", "tiers.order"),
        ("0-0:0.5;0-:0.6", "tiers.order"),
        ("0-:0.5;240-:0.6", "tiers.open"),  # an open tier that is not the last
        ("0-240:0.5;240-400:0.6", "tiers.open"),  # nothing above 400
    ],
)
def test_parse_tiers_rejects(text: str, key: str) -> None:
    with pytest.raises(TariffError) as info:
        parse_tiers(text)
    assert info.value.key == key
    assert info.value.text == text
    assert isinstance(info.value, ValueError)


def test_format_tiers() -> None:
    assert format_tiers(parse_tiers(BJ_POWER)) == BJ_POWER
    assert format_tiers(parse_tiers("0-180:5.00;180-260:7.0;260-:9")) == "0-180:5;180-260:7;260-:9"
    assert format_tiers(parse_tiers("0-1000:0.50;1000-:0.600")) == "0-1000:0.5;1000-:0.6"  # not 1E+3
    assert format_tiers(parse_tiers("0-12.5:0;12.5-:1.25")) == "0-12.5:0;12.5-:1.25"


@pytest.mark.parametrize(
    ("text", "months"),
    [
        (None, set(range(1, 13))),
        ("", set(range(1, 13))),
        (" ", set(range(1, 13))),
        ("全年", set(range(1, 13))),
        ("5-10", {5, 6, 7, 8, 9, 10}),
        ("11-4", {11, 12, 1, 2, 3, 4}),  # wraps over the new year
        ("1,3,5", {1, 3, 5}),
        ("1、3、5", {1, 3, 5}),
        ("1，3，5", {1, 3, 5}),
        ("7", {7}),
        ("5-10月", {5, 6, 7, 8, 9, 10}),
        ("5月-10月", {5, 6, 7, 8, 9, 10}),
        ("５－１０", {5, 6, 7, 8, 9, 10}),
        ("5~10", {5, 6, 7, 8, 9, 10}),
        ("1-2,7-8", {1, 2, 7, 8}),
        ("12-1", {12, 1}),
        ("3-3", {3}),
    ],
)
def test_parse_months(text: str | None, months: set[int]) -> None:
    assert parse_months(text) == frozenset(months)


@pytest.mark.parametrize("text", ["13", "0-5", "5-13", "a", "5--10", "夏季", "5-", "-5", ",", "1.5"])
def test_parse_months_rejects(text: str) -> None:
    with pytest.raises(TariffError) as info:
        parse_months(text)
    assert info.value.key == "months.syntax"
    assert info.value.text == text


def test_parse_large_household() -> None:
    assert parse_large_household("5:100") == (5, D(100))
    assert parse_large_household("5：100") == (5, D(100))
    assert parse_large_household(" 6 : 50.5 ") == (6, D("50.5"))
    assert parse_large_household("5人:100") == (5, D(100))
    assert parse_large_household("") is None
    assert parse_large_household(None) is None
    for bad in ("5", "5:abc", "x:100", "0:100", "5:-100", "5:100:1"):
        with pytest.raises(TariffError) as info:
            parse_large_household(bad)
        assert info.value.key == "large.syntax"


def test_extend_tiers() -> None:
    extended = extend_tiers(parse_tiers(BJ_POWER), D(100))
    # 0-240 → 0-340 (the first lower bound stays 0), 240-400 → 340-500, 400- → 500-
    assert format_tiers(extended) == "0-340:0.4883;340-500:0.5383;500-:0.7883"
    assert extend_tiers(parse_tiers(BJ_POWER), D(0)) == parse_tiers(BJ_POWER)


# ---- charges ---------------------------------------------------------------------------------------

def test_beijing_electricity_monthly() -> None:
    tiers = parse_tiers(BJ_POWER)
    # 240 kWh: exactly the top of tier 1 (含) → 240 × 0.4883 = 117.192, nothing in tier 2
    assert tiered_charge(tiers, D(240)) == (TierPart(1, D(240), D("0.4883"), D("117.192")),)
    assert charge_total(tiered_charge(tiers, D(240))) == D("117.192")
    # 300 kWh: 117.192 + 60 × 0.5383 (= 32.298) = 149.490
    assert charge_total(tiered_charge(tiers, D(300))) == D("149.490")
    # 450 kWh: 117.192 + 160 × 0.5383 (= 86.128) + 50 × 0.7883 (= 39.415) = 242.735
    parts = tiered_charge(tiers, D(450))
    assert parts == (
        TierPart(1, D(240), D("0.4883"), D("117.192")),
        TierPart(2, D(160), D("0.5383"), D("86.128")),
        TierPart(3, D(50), D("0.7883"), D("39.415")),
    )
    assert charge_total(parts) == D("242.735")
    # the bill line rounds the total: 242.735 → 242.74 to the 分 half-up
    assert str(round_line(charge_total(parts))) == "242.74"
    # 240.5 kWh: 117.192 + 0.5 × 0.5383 (= 0.26915) = 117.46115
    assert charge_total(tiered_charge(tiers, D("240.5"))) == D("117.46115")
    # 0 kWh: nothing, and no parts
    assert tiered_charge(tiers, D(0)) == ()
    assert charge_total(()) == D(0)


def test_beijing_water_yearly() -> None:
    tiers = parse_tiers(BJ_WATER)
    # 170 m³ used earlier this year, 25 now: (170, 195] → 10 in tier 1, 15 in tier 2 → 10×5 + 15×7 = 50 + 105 = 155
    parts = tiered_charge(tiers, D(25), before=D(170))
    assert parts == (TierPart(1, D(10), D(5), D(50)), TierPart(2, D(15), D(7), D(105)))
    assert charge_total(parts) == D(155)
    # 250 earlier, 20 now: (250, 270] → 10 in tier 2, 10 in tier 3 → 10×7 + 10×9 = 70 + 90 = 160
    assert charge_total(tiered_charge(tiers, D(20), before=D(250))) == D(160)
    # 300 earlier, 5 now: all in tier 3 → 5 × 9 = 45
    assert tiered_charge(tiers, D(5), before=D(300)) == (TierPart(3, D(5), D(9), D(45)),)


def _seasonal(month: int) -> str:
    """The rate row whose 适用月份 covers the month (two rows: summer and winter)."""
    rows = [("5-10", GD_SUMMER), ("11-4", GD_WINTER)]
    matches = [tiers for months, tiers in rows if month in parse_months(months)]
    assert len(matches) == 1, month
    return matches[0]


def test_guangdong_seasonal() -> None:
    assert _seasonal(11) == GD_WINTER
    assert _seasonal(4) == GD_WINTER
    assert _seasonal(5) == GD_SUMMER
    assert _seasonal(10) == GD_SUMMER
    for month in range(1, 13):
        _seasonal(month)  # every month has exactly one row
    # July, 300 kWh: 260 × 0.5902 (= 153.452) + 40 × 0.6402 (= 25.608) = 179.060
    assert charge_total(tiered_charge(parse_tiers(_seasonal(7)), D(300))) == D("179.060")
    # January, 300 kWh: 200 × 0.5902 (= 118.04) + 100 × 0.6402 (= 64.02) = 182.06
    assert charge_total(tiered_charge(parse_tiers(_seasonal(1)), D(300))) == D("182.06")
    # December, 450 kWh: 118.04 + 200 × 0.6402 (= 128.04) + 50 × 0.8902 (= 44.51) = 290.59
    assert charge_total(tiered_charge(parse_tiers(_seasonal(12)), D(450))) == D("290.59")


def test_large_household() -> None:
    size, extension = parse_large_household("5:100")  # type: ignore[misc]
    tiers = extend_tiers(parse_tiers(BJ_POWER), extension)
    # 300 kWh with bounds 0-340: all in tier 1 → 300 × 0.4883 = 146.49
    assert size == 5
    assert tiered_charge(tiers, D(300)) == (TierPart(1, D(300), D("0.4883"), D("146.49")),)


def test_tiered_charge_rejects() -> None:
    tiers = parse_tiers(BJ_POWER)
    with pytest.raises(ValueError):
        tiered_charge(tiers, D(-1))
    with pytest.raises(ValueError):
        tiered_charge(tiers, D(1), before=D(-1))
    with pytest.raises(TypeError):
        tiered_charge(tiers, 1.5)  # type: ignore[arg-type]


# ---- properties ------------------------------------------------------------------------------------

@st.composite
def tier_sets(draw: st.DrawFn) -> tuple[Tier, ...]:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=1000), max_size=4)))
    prices = draw(st.lists(st.decimals(min_value=0, max_value=2, places=4), min_size=len(bounds) + 1,
                           max_size=len(bounds) + 1))
    lowers = [D(0), *(D(b) for b in bounds)]
    uppers: list[Decimal | None] = [*(D(b) for b in bounds), None]
    return tuple(Tier(lo, up, p) for lo, up, p in zip(lowers, uppers, prices))


_USAGE = st.decimals(min_value=0, max_value=2000, places=3)


ZERO = D(0)


def _charge(tiers: tuple[Tier, ...], usage: Decimal, before: Decimal = ZERO) -> Decimal:
    return charge_total(tiered_charge(tiers, usage, before))


@settings(max_examples=200, deadline=None)
@given(tier_sets(), _USAGE, _USAGE, _USAGE)
def test_charge_monotonic_and_additive(tiers: tuple[Tier, ...], before: Decimal, u1: Decimal, u2: Decimal) -> None:
    low, high = sorted((u1, u2))
    assert _charge(tiers, low, before) <= _charge(tiers, high, before)
    # additivity: what makes yearly cycles right month after month
    assert _charge(tiers, u1 + u2, before) == _charge(tiers, u1, before) + _charge(tiers, u2, before + u1)
    parts = tiered_charge(tiers, u1, before)
    assert sum((p.quantity for p in parts), D(0)) == u1
    assert all(p.quantity > 0 and p.amount == p.quantity * p.price for p in parts)
    assert [p.index for p in parts] == sorted({p.index for p in parts})


@settings(max_examples=200, deadline=None)
@given(tier_sets())
def test_charge_continuous_at_bounds(tiers: tuple[Tier, ...]) -> None:
    epsilon = D("0.001")
    top = max(t.price for t in tiers)
    for bound in [t.upper for t in tiers if t.upper is not None]:
        step = _charge(tiers, bound) - _charge(tiers, bound - epsilon)
        assert D(0) <= step <= epsilon * top


@settings(max_examples=100, deadline=None)
@given(tier_sets())
def test_tiers_round_trip(tiers: tuple[Tier, ...]) -> None:
    assert parse_tiers(format_tiers(tiers)) == tiers
