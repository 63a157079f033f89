"""Money: Decimal only, line rounding per the estate's 金额舍入 setting, 分 conversions, 人民币大写.

Every bill line is rounded on its own (`round_line`) and totals are sums of rounded lines, so a report
reconciles to the cent. Floats are refused wherever an amount enters: 0.1 + 0.2 is not a sum of money.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rounding:
    """How a bill line is rounded: to a multiple of `step` (元) with a `decimal` rounding mode."""

    step: Decimal
    mode: str = ROUND_HALF_UP


DEFAULT_ROUNDING = Rounding(Decimal("0.01"), ROUND_HALF_UP)

_STEPS: tuple[tuple[tuple[str, ...], Decimal], ...] = (
    (("分", "fen"), Decimal("0.01")),
    (("角", "jiao"), Decimal("0.1")),
    (("元", "yuan"), Decimal(1)),
)
_MODES: dict[str, str] = {
    "": ROUND_HALF_UP,
    "四舍五入": ROUND_HALF_UP,
    "half-up": ROUND_HALF_UP,
    "halfup": ROUND_HALF_UP,
    "half_up": ROUND_HALF_UP,
    "舍去": ROUND_DOWN,
    "去尾": ROUND_DOWN,
    "截尾": ROUND_DOWN,
    "down": ROUND_DOWN,
    "进位": ROUND_UP,
    "进一": ROUND_UP,
    "up": ROUND_UP,
}
_SEPARATORS = re.compile(r"[\s,，、/]+")


def as_decimal(value: Decimal | int | str) -> Decimal:
    """An amount as a Decimal. Floats are refused (TypeError): they cannot hold 0.1 exactly."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}: {value!r}")
    return Decimal(value)


def parse_rounding(text: str | None) -> Rounding:
    """The estate setting 金额舍入 → Rounding.

    `分`/`角`/`元` (or `fen`/`jiao`/`yuan`), optionally followed by a mode: `四舍五入` (half-up, the default),
    `舍去`/`去尾`/`截尾` (down), `进位`/`进一` (up), or `half-up`/`down`/`up`; spaces and commas between are
    ignored. Blank → DEFAULT_ROUNDING. Anything else raises ValueError(text).
    """
    if text is None or not str(text).strip():
        return DEFAULT_ROUNDING
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text))).lower()
    for names, step in _STEPS:
        for name in names:
            if compact.startswith(name):
                mode = _MODES.get(compact[len(name):])
                if mode is not None:
                    return Rounding(step, mode)
    raise ValueError(text)


def round_line(value: Decimal, rounding: Rounding = DEFAULT_ROUNDING) -> Decimal:
    """`value` rounded to a multiple of the step with the mode, as a 2-place Decimal (角: 12.345 → 12.30).

    Negative values round symmetrically (the decimal modes work on the magnitude).
    """
    value = as_decimal(value)
    step = rounding.step
    if step <= 0:
        raise ValueError(f"rounding step must be positive: {step}")
    unit = step.normalize()
    if unit.as_tuple().digits == (1,):  # 0.01, 0.1, 1, 10 …: an exact quantize (10 as 1E+1)
        rounded = value.quantize(unit, rounding=rounding.mode)
    else:  # e.g. 0.05: round the number of steps
        rounded = (value / step).quantize(Decimal(1), rounding=rounding.mode) * step
    rounded = rounded.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # -0.004 → 0.00, never -0.00


def is_cents(amount: Decimal) -> bool:
    """True when the amount has at most 2 decimal places (a whole number of 分)."""
    amount = as_decimal(amount)
    return amount.is_finite() and amount == amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal | int | str) -> int:
    """12.34 元 → 1234 分. An amount with a fraction of a 分 raises ValueError (round it first)."""
    amount = as_decimal(amount)
    if not is_cents(amount):
        raise ValueError(f"not a whole number of 分: {amount}")
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    """1234 分 → Decimal('12.34')."""
    return (Decimal(int(fen)) / 100).quantize(CENT)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("仟", "佰", "拾", "")
_MAX_YUAN = 10**16  # up to 9999万亿


def _group(n: int) -> str:
    """1..9999 in 大写, zeros between digits written once, trailing zeros not at all (1010 → 壹仟零壹拾)."""
    out = []
    zero = False
    for digit, unit in zip(f"{n:04d}", _GROUP_UNITS):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[int(digit)] + unit)
    return "".join(out)


def _integer(n: int) -> str:
    """A positive whole number of 元 in 大写: 105000 → 壹拾万伍仟, 100010 → 壹拾万零壹拾."""
    if n < 10**4:
        return _group(n)
    base, unit = (10**4, "万") if n < 10**8 else (10**8, "亿")
    high, low = divmod(n, base)
    text = _integer(high) + unit
    if low:
        if low < base // 10:  # the highest digit below the unit is 0: 壹拾万零壹拾, 壹亿零壹万
            text += "零"
        text += _integer(low)
    return text


def rmb_upper(amount: Decimal | int | str) -> str:
    """人民币大写 as written on receipts (《支付结算办法》), without the 人民币 prefix.

    1234.56 → 壹仟贰佰叁拾肆元伍角陆分; 1234.50 → 壹仟贰佰叁拾肆元伍角整; 1680.32 → 壹仟陆佰捌拾元零叁角贰分;
    325.04 → 叁佰贰拾伍元零肆分; 0.05 → 伍分; 0 → 零元整; negative → 负…. 整 ends the text whenever there
    is no 分. The amount is first rounded half-up to the 分.
    """
    fen_total = to_fen(as_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))
    sign = "负" if fen_total < 0 else ""
    yuan, rest = divmod(abs(fen_total), 100)
    jiao, fen = divmod(rest, 10)
    if yuan >= _MAX_YUAN:
        raise ValueError(f"amount too large for 大写: {amount}")
    if yuan == jiao == fen == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        if yuan and yuan % 10 == 0:  # 元 place is 0: 壹仟陆佰捌拾元零叁角
            text += "零"
        text += _DIGITS[jiao] + "角"
    elif yuan and fen:  # no 角 between 元 and 分: 叁佰贰拾伍元零肆分
        text += "零"
    text += _DIGITS[fen] + "分" if fen else "整"
    return sign + text
