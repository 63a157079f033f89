"""Money: the 金额舍入 setting, line rounding, 分 conversions and 人民币大写, with hand-checked examples."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.domain.money import (
    CENT, DEFAULT_ROUNDING, Rounding, from_fen, parse_rounding, rmb_upper, round_line, to_fen,
)
from tests.oracle import round_fen, yuan

D = Decimal
FEN, JIAO, YUAN = D("0.01"), D("0.1"), D("1")


def test_constants() -> None:
    assert CENT == D("0.01")
    assert DEFAULT_ROUNDING == Rounding(D("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("text", "step", "mode"),
    [
        (None, FEN, ROUND_HALF_UP),
        ("", FEN, ROUND_HALF_UP),
        ("  ", FEN, ROUND_HALF_UP),
        ("分", FEN, ROUND_HALF_UP),
        ("角", JIAO, ROUND_HALF_UP),
        ("元", YUAN, ROUND_HALF_UP),
        ("分四舍五入", FEN, ROUND_HALF_UP),
        ("角 四舍五入", JIAO, ROUND_HALF_UP),
        ("角舍去", JIAO, ROUND_DOWN),
        ("元，去尾", YUAN, ROUND_DOWN),
        ("分,截尾", FEN, ROUND_DOWN),
        ("角 进位", JIAO, ROUND_UP),
        ("元进一", YUAN, ROUND_UP),
        (" 角 ", JIAO, ROUND_HALF_UP),
        ("fen", FEN, ROUND_HALF_UP),
        ("jiao half-up", JIAO, ROUND_HALF_UP),
        ("Yuan down", YUAN, ROUND_DOWN),
        ("jiao,up", JIAO, ROUND_UP),
    ],
)
def test_parse_rounding(text: str | None, step: Decimal, mode: str) -> None:
    assert parse_rounding(text) == Rounding(step, mode)


@pytest.mark.parametrize("text", ["毛", "0.01", "角四舍六入", "舍去", "分舍去进位", "jiao sideways", "厘"])
def test_parse_rounding_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rounding(text)
    assert info.value.args == (text,)


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        # 分, half-up: 12.345 → the third decimal is 5 → up → 12.35; 12.344 → 12.34
        ("12.345", Rounding(FEN, ROUND_HALF_UP), "12.35"),
        ("12.344", Rounding(FEN, ROUND_HALF_UP), "12.34"),
        # 角, half-up: 12.345 → 12.3|45, 0.045 < 0.05 → 12.3 → 12.30; 12.35 → exactly half → 12.40
        ("12.345", Rounding(JIAO, ROUND_HALF_UP), "12.30"),
        ("12.35", Rounding(JIAO, ROUND_HALF_UP), "12.40"),
        # 元, half-up: 12.5 → 13; 12.49 → 12
        ("12.5", Rounding(YUAN, ROUND_HALF_UP), "13.00"),
        ("12.49", Rounding(YUAN, ROUND_HALF_UP), "12.00"),
        # 角, down: 12.39 → 12.3; 角, up: 12.31 → 12.4, 12.30 stays
        ("12.39", Rounding(JIAO, ROUND_DOWN), "12.30"),
        ("12.31", Rounding(JIAO, ROUND_UP), "12.40"),
        ("12.30", Rounding(JIAO, ROUND_UP), "12.30"),
        # 元, up: 0.01 → 1
        ("0.01", Rounding(YUAN, ROUND_UP), "1.00"),
        # negative values round symmetrically (on the magnitude)
        ("-12.345", Rounding(FEN, ROUND_HALF_UP), "-12.35"),
        ("-12.39", Rounding(JIAO, ROUND_DOWN), "-12.30"),
        ("-12.31", Rounding(JIAO, ROUND_UP), "-12.40"),
        # a whole number still comes back with 2 places
        ("12", Rounding(YUAN, ROUND_HALF_UP), "12.00"),
        # a step that is not a power of ten: 0.05; 12.37 / 0.05 = 247.4 → 247 → 247 × 0.05 = 12.35
        ("12.37", Rounding(D("0.05"), ROUND_HALF_UP), "12.35"),
        # 12.375 / 0.05 = 247.5 → 248 → 12.40
        ("12.375", Rounding(D("0.05"), ROUND_HALF_UP), "12.40"),
        # to 10 元: 125 / 10 = 12.5 → 13 → 130; down: 129.99 → 120
        ("125", Rounding(D("10"), ROUND_HALF_UP), "130.00"),
        ("129.99", Rounding(D("10"), ROUND_DOWN), "120.00"),
    ],
)
def test_round_line(value: str, rounding: Rounding, expected: str) -> None:
    result = round_line(D(value), rounding)
    assert result == D(expected)
    assert str(result) == expected  # quantized to 2 places


def test_round_line_default_and_floats() -> None:
    assert str(round_line(D("242.735"))) == "242.74"  # default 分 half-up
    with pytest.raises(TypeError):
        round_line(12.5, DEFAULT_ROUNDING)  # type: ignore[arg-type]


def test_fen() -> None:
    assert to_fen(D("12.34")) == 1234
    assert to_fen("0.05") == 5
    assert to_fen(D("-0.05")) == -5
    assert to_fen(7) == 700
    assert str(from_fen(1234)) == "12.34"
    assert str(from_fen(-5)) == "-0.05"
    assert str(from_fen(0)) == "0.00"
    with pytest.raises(ValueError):
        to_fen(D("1.234"))  # a fraction of a 分 must be rounded first
    with pytest.raises(TypeError):
        to_fen(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "upper"),
    [
        # the product requirement and the brief
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("0.32", "叁角贰分"),
        ("1001.01", "壹仟零壹元零壹分"),
        ("100000", "壹拾万元整"),
        ("10", "壹拾元整"),
        ("10.05", "壹拾元零伍分"),
        ("105000", "壹拾万伍仟元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1000000.10", "壹佰万元零壹角整"),
        # 《支付结算办法》 examples (with 零 where the standard allows it either way)
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        # zeros inside and across the 万 and 亿 groups
        ("1010", "壹仟零壹拾元整"),
        ("20.30", "贰拾元零叁角整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("100000001", "壹亿零壹元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("1000000000000", "壹万亿元整"),
        ("1000100000000", "壹万零壹亿元整"),
        # negative, and rounding half-up to the 分 first: 1.005 → 1.01
        ("-1234.56", "负壹仟贰佰叁拾肆元伍角陆分"),
        ("1.005", "壹元零壹分"),
        ("-0.001", "零元整"),
    ],
)
def test_rmb_upper(amount: str, upper: str) -> None:
    assert rmb_upper(D(amount)) == upper


def test_rmb_upper_limits() -> None:
    assert rmb_upper(12) == "壹拾贰元整"
    with pytest.raises(ValueError):
        rmb_upper(D("10000000000000000"))  # 1 亿亿 is beyond any bill
    with pytest.raises(TypeError):
        rmb_upper(1.5)  # type: ignore[arg-type]


# ---- properties ----------------------------------------------------------------------------------

_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _read_upper(text: str) -> int:
    """An independent reader of 大写 amounts, back to 分, to check rmb_upper against."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan_text, _, small = text.rpartition("元") if "元" in text else ("", "", text)
    total = section = number = 0
    for ch in yuan_text:
        if ch in _DIGIT:
            number = _DIGIT[ch]
        elif ch in _SMALL:
            section += number * _SMALL[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 10**4
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text}")
    fen = (total + section + number) * 100
    small = small.removeprefix("零")
    for digit, unit in zip(small[::2], small[1::2]):
        fen += _DIGIT[digit] * {"角": 10, "分": 1}[unit]
    return sign * fen


_FEN_AMOUNTS = st.integers(min_value=-(10**15), max_value=10**15) | st.integers(min_value=-100000, max_value=100000)


@settings(max_examples=300, deadline=None)
@given(_FEN_AMOUNTS)
def test_rmb_upper_properties(fen: int) -> None:
    amount = D(fen).scaleb(-2)
    text = rmb_upper(amount)
    assert "零零" not in text
    assert text.endswith("整") == (abs(fen) % 10 == 0)
    assert text.startswith("负") == (fen < 0)
    assert not text.startswith("零") or text == "零元整"
    assert _read_upper(text) == fen


_ROUNDINGS = st.builds(
    Rounding,
    st.sampled_from([FEN, JIAO, YUAN, D("0.05"), D("10")]),
    st.sampled_from([ROUND_HALF_UP, ROUND_DOWN, ROUND_UP]),
)
_ORACLE_MODE = {ROUND_HALF_UP: "half-up", ROUND_DOWN: "down", ROUND_UP: "up"}
# values on and around the half-way points of every step, where a wrong mode shows
_EDGES = st.builds(lambda whole, tail: D(whole) + D(tail), st.integers(-(10**6), 10**6),
                   st.sampled_from(["0", "0.005", "0.0049", "0.0051", "0.025", "0.05", "0.049", "0.051", "0.45",
                                    "0.5", "0.4999", "0.5001", "0.995", "0.9999", "0.01", "0.0001"]))


@settings(max_examples=500, deadline=None)
@given(st.decimals(min_value=-(10**7), max_value=10**7, places=4) | _EDGES, _ROUNDINGS)
def test_round_line_against_integer_arithmetic(value: Decimal, rounding: Rounding) -> None:
    """round_line against an oracle that shares no code with it (tests/oracle.py: exact fractions, whole 分)."""
    step_fen = int(rounding.step * 100)
    expected = yuan(round_fen(value, step_fen, _ORACLE_MODE[rounding.mode]))
    got = round_line(value, rounding)
    assert got == expected and str(got) == str(expected)


@pytest.mark.parametrize(("value", "step_fen", "mode", "fen"), [
    # the oracle itself, by hand: 12.345 元 = 1234.5 分
    ("12.345", 1, "half-up", 1235), ("12.3449", 1, "half-up", 1234), ("12.345", 1, "down", 1234),
    ("12.3401", 1, "up", 1235), ("12.34", 1, "up", 1234), ("12.35", 10, "half-up", 1240), ("12.3499", 10, "half-up", 1230),
    ("-12.345", 1, "half-up", -1235), ("-0.005", 1, "half-up", -1), ("-0.0049", 1, "half-up", 0),
    ("12.375", 5, "half-up", 1240), ("12.37", 5, "half-up", 1235), ("129.99", 1000, "down", 12000),
    ("0.01", 100, "up", 100), ("0", 100, "up", 0),
])
def test_the_rounding_oracle(value: str, step_fen: int, mode: str, fen: int) -> None:
    assert round_fen(value, step_fen, mode) == fen


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**7), max_value=10**7, places=4), _ROUNDINGS)
def test_round_line_properties(value: Decimal, rounding: Rounding) -> None:
    once = round_line(value, rounding)
    assert round_line(once, rounding) == once  # idempotent
    assert once == once.quantize(CENT)
    assert (once / rounding.step) == (once / rounding.step).to_integral_value()  # a multiple of the step
    gap = abs(once - value)
    if rounding.mode == ROUND_HALF_UP:
        assert gap <= rounding.step / 2
    else:
        assert gap < rounding.step
    if rounding.mode == ROUND_DOWN:
        assert abs(once) <= abs(value)
    if rounding.mode == ROUND_UP:
        assert abs(once) >= abs(value)
