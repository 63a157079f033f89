"""Tiered (阶梯) tariffs: the notation of 收费标准, seasonal months, large households, and the charge.

Notation (DESIGN §2): `0-240:0.4883;240-400:0.5383;400-:0.7883` — each tier `lower-upper:price` in 元 per
unit, the upper bound included in the tier (含), the last tier open. A usage of exactly 240 is all in tier 1.

The charge of a period is the overlap of the units it uses, (before, before + usage], with each tier
(lower, upper]: `before` is 0 for monthly tiers and the usage of the year so far for yearly tiers, so one
month's bill may straddle two tiers. Amounts are exact (quantity × price, unrounded); the bill line rounds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleError
from .money import as_decimal

ZERO = Decimal(0)
ALL_MONTHS: frozenset[int] = frozenset(range(1, 13))


class TariffError(RuleError):
    """A 阶梯 / 适用月份 / 大户加档 cell that cannot be used.

    `key`: tiers.syntax, tiers.gap, tiers.order, tiers.open, months.syntax, large.syntax;
    `text`: the cell as written; `part`: the offending piece of it, when there is one.
    """

    def __init__(self, key: str, text: str | None = "", part: str = "") -> None:
        self.text = "" if text is None else str(text)
        self.part = part
        super().__init__(key, value=self.text)
        self.args = (f"{key}: {self.text}" + (f" ({part})" if part and part != self.text else ""),)


@dataclass(frozen=True)
class Tier:
    """One tier: units in (lower, upper] cost `price` 元 each; upper None = open-ended."""

    lower: Decimal
    upper: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class TierPart:
    """The part of a charge that falls in one tier (index is 1-based). amount = quantity × price, unrounded."""

    index: int
    quantity: Decimal
    price: Decimal
    amount: Decimal


_NUMBER = r"\d+(?:\.\d+)?"
_DASHES = "-~—–―〜"  # after NFKC: full-width －～ are already - and ~
_DASH = "[" + re.escape(_DASHES) + "]"
_TIER = re.compile(rf"^({_NUMBER}){_DASH}({_NUMBER})?:({_NUMBER})$")
_TIER_SEPARATORS = re.compile(r"[;,、\n]")
_MONTH_SEPARATORS = re.compile(r"[,;、]")
_MONTH_RANGE = re.compile(rf"^(\d{{1,2}})(?:{_DASH}(\d{{1,2}}))?$")
_LARGE = re.compile(rf"^(\d+)人?(?:及以上|以上)?:({_NUMBER})$")
_SPACES = re.compile(r"\s+")


def _normalize(text: str) -> str:
    """Full-width → half-width (：；，～ and digits), line breaks kept as separators, other spaces removed."""
    text = unicodedata.normalize("NFKC", text).replace("\r", "\n")
    return "\n".join(_SPACES.sub("", line) for line in text.split("\n"))


def _number(text: str) -> str:
    """A Decimal in the shortest plain notation: 0.4883, 5, 240 (never 2.4E+2)."""
    return format(Decimal(text).normalize(), "f")


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """The 阶梯 notation → tiers, validated: starts at 0, no gaps or overlaps, increasing, last tier open.

    Tolerates spaces, full-width digits and punctuation, `,`/`；`/`、`/line breaks between tiers and
    `~`/`～`/`—` as the range dash. Raises TariffError (tiers.syntax/gap/order/open).
    """
    source = "" if text is None else str(text)
    parts = [p for p in _TIER_SEPARATORS.split(_normalize(source)) if p]
    if not parts:
        raise TariffError("tiers.syntax", source)
    tiers: list[Tier] = []
    for part in parts:
        match = _TIER.match(part)
        if not match:
            raise TariffError("tiers.syntax", source, part)
        lower, upper, price = match.groups()
        tiers.append(Tier(Decimal(lower), Decimal(upper) if upper is not None else None, Decimal(price)))
    previous: Decimal | None = ZERO
    for tier, part in zip(tiers, parts):
        if previous is None:  # a tier after an open one
            raise TariffError("tiers.open", source, part)
        if tier.lower != previous:
            raise TariffError("tiers.gap", source, part)
        if tier.upper is not None and tier.upper <= tier.lower:
            raise TariffError("tiers.order", source, part)
        previous = tier.upper
    if tiers[-1].upper is not None:
        raise TariffError("tiers.open", source, parts[-1])
    return tuple(tiers)


def format_tiers(tiers: Iterable[Tier]) -> str:
    """Tiers → canonical notation `0-240:0.4883;240-400:0.5383;400-:0.7883`."""
    return ";".join(
        f"{_number(str(t.lower))}-{'' if t.upper is None else _number(str(t.upper))}:{_number(str(t.price))}"
        for t in tiers
    )


def parse_months(text: str | None) -> frozenset[int]:
    """适用月份 → the months it covers. Blank → all 12; `5-10`; `11-4` wraps over the new year
    ({11, 12, 1, 2, 3, 4}); lists `1,3,5` / `1、3、5`; `7`; `5-10月`, `5月-10月`; `全年`. TariffError otherwise."""
    if text is None or not str(text).strip():
        return ALL_MONTHS
    compact = _normalize(str(text)).replace("\n", ",").replace("月份", "").replace("月", "")
    if compact == "全年":
        return ALL_MONTHS
    months: set[int] = set()
    pieces = [p for p in _MONTH_SEPARATORS.split(compact) if p]
    if not pieces:
        raise TariffError("months.syntax", str(text))
    for piece in pieces:
        match = _MONTH_RANGE.match(piece)
        if not match:
            raise TariffError("months.syntax", str(text), piece)
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if not (1 <= first <= 12 and 1 <= last <= 12):
            raise TariffError("months.syntax", str(text), piece)
        span = (last - first) % 12
        months.update((first - 1 + i) % 12 + 1 for i in range(span + 1))
    return frozenset(months)


def parse_large_household(text: str | None) -> tuple[int, Decimal] | None:
    """大户加档 `5:100` → (5, Decimal('100')): households of 5 or more people get every bound raised by 100.
    Blank → None. Full-width colon and `5人:100` are accepted; anything else raises TariffError(large.syntax)."""
    if text is None or not str(text).strip():
        return None
    match = _LARGE.match(_normalize(str(text)))
    if not match or int(match.group(1)) < 1:
        raise TariffError("large.syntax", str(text))
    return int(match.group(1)), Decimal(match.group(2))


def extend_tiers(tiers: Sequence[Tier], extension: Decimal) -> tuple[Tier, ...]:
    """Every bound raised by `extension` except the first lower bound 0:
    0-240;240-400;400- with 100 → 0-340;340-500;500-."""
    return tuple(
        Tier(
            t.lower if i == 0 else t.lower + extension,
            None if t.upper is None else t.upper + extension,
            t.price,
        )
        for i, t in enumerate(tiers)
    )


def tiered_charge(tiers: Sequence[Tier], usage: Decimal, before: Decimal = ZERO) -> tuple[TierPart, ...]:
    """The charge for `usage` units when `before` units were already used in the same tier cycle.

    The quantity in tier i is the overlap of (before, before + usage] with (lower_i, upper_i]; only tiers
    with a positive quantity are returned, in tier order. Negative usage or before raises ValueError.
    """
    usage, before = as_decimal(usage), as_decimal(before)
    if usage < 0:
        raise ValueError(f"usage must not be negative: {usage}")
    if before < 0:
        raise ValueError(f"usage before this period must not be negative: {before}")
    end = before + usage
    parts = []
    for index, tier in enumerate(tiers, start=1):
        low = max(before, tier.lower)
        high = end if tier.upper is None else min(end, tier.upper)
        if high > low:
            quantity = high - low
            parts.append(TierPart(index, quantity, tier.price, quantity * tier.price))
    return tuple(parts)


def charge_total(parts: Iterable[TierPart]) -> Decimal:
    """The unrounded charge: the sum of the parts' amounts."""
    return sum((p.amount for p in parts), ZERO)

