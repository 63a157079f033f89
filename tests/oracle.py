"""Independent oracles for money: integer arithmetic on exact fractions, sharing no code with
propcli.domain.money, so a test that compares the two can fail when the production rounding is wrong."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# 金额舍入 as the tests name it: (step in 分, mode)
STEPS_FEN = {"分": 1, "角": 10, "元": 100}
MODES = ("half-up", "down", "up")


def round_fen(value: Decimal | Fraction | int | str, step_fen: int, mode: str = "half-up") -> int:
    """`value` 元 rounded to a multiple of `step_fen` 分, in whole 分. The magnitude is rounded and the sign
    put back (half-up: a remainder of at least half a step goes up; down: drop it; up: any remainder goes up)."""
    fen = Fraction(value) * 100
    magnitude = abs(fen)
    steps = magnitude.numerator // (magnitude.denominator * step_fen)  # whole steps, rounded down
    rest = magnitude - steps * step_fen
    if mode == "half-up":
        steps += 2 * rest >= step_fen
    elif mode == "up":
        steps += rest > 0
    elif mode != "down":
        raise ValueError(mode)
    return (-1 if fen < 0 else 1) * steps * step_fen


def yuan(fen: int) -> Decimal:
    """Whole 分 as a 2-place Decimal in 元, built from the digits (no quantize)."""
    sign, fen = ("-" if fen < 0 else ""), abs(fen)
    return Decimal(f"{sign}{fen // 100}.{fen % 100:02d}")


def tiered(tiers: str, usage: int | Fraction, before: int | Fraction = 0) -> Fraction:
    """A tiered charge from DESIGN's notation (`0-240:0.4883;240-400:0.5383;400-:0.7883`): each unit of usage
    from `before` to `before + usage` at the price of the tier it falls in, upper bounds included."""
    total = Fraction(0)
    start, end = Fraction(before), Fraction(before) + Fraction(usage)
    for part in tiers.split(";"):
        bounds, price = part.split(":")
        low_text, high_text = bounds.split("-")
        low, high = Fraction(low_text), (Fraction(high_text) if high_text else None)
        top = end if high is None else min(end, high)
        bottom = max(start, low)
        if top > bottom:
            total += (top - bottom) * Fraction(price)
    return total
