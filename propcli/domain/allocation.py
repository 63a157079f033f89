"""Payment allocation: a payment goes to the oldest open bills first (or to the bills the clerk names);
what is left over is kept as a prepaid balance (预存) that later bills consume.

Allocation never creates or loses a cent: the allocated amounts always add up to the payment exactly.
The 分配 column of 收款记录 records the result as `ZD202501000001:120.00;ZD202502000001:80.50;预存:10.00`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..errors import RuleError
from .money import CENT, as_decimal, is_cents

PREPAID = "预存"
ZERO = Decimal(0)

UNPAID, PARTIAL, PAID = "未缴", "部分", "已缴"


class AllocationError(RuleError):
    """A payment that cannot be allocated, or an 分配 cell that cannot be read.

    `key`: alloc.amount, alloc.unknown_bill, alloc.closed_bill, alloc.duplicate_bill, alloc.syntax;
    `params`: what the message needs, e.g. {"bill": "ZD202501000001"}.
    """

    def __init__(self, key: str, params: dict[str, object] | None = None) -> None:
        super().__init__(key, **dict(params or {}))
        self.args = (f"{key}: {self.params}" if self.params else key,)


@dataclass(frozen=True)
class OpenBill:
    """A bill as allocation sees it: what it is for, how much, and how much is already paid."""

    bill_id: str
    period: str  # YYYY-MM
    amount: Decimal
    paid: Decimal
    due_date: date | None = None
    order: int = 0  # e.g. the row in 应收账单, to break ties within a period

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True)
class Allocation:
    """Part of a payment: `amount` 元 to the bill `target`, or to PREPAID."""

    target: str
    amount: Decimal


def oldest_first(bills: Iterable[OpenBill]) -> list[OpenBill]:
    """The bills with something outstanding, oldest first: by period, due date, order, bill id."""
    return sorted(
        (b for b in bills if b.outstanding > 0),
        key=lambda b: (b.period, b.due_date or date.max, b.order, b.bill_id),
    )


def _tidy(amount: Decimal) -> Decimal:
    """Shown to the 分 when that is exact (Decimal('50') → Decimal('50.00')); a stray sub-分 stays as it is."""
    return amount.quantize(CENT) if is_cents(amount) else amount


def _named_bills(bills: Sequence[OpenBill], named: Sequence[str]) -> list[OpenBill]:
    by_id: dict[str, OpenBill] = {}
    for bill in bills:
        by_id.setdefault(bill.bill_id, bill)
    chosen: list[OpenBill] = []
    seen: set[str] = set()
    for bill_id in named:
        if bill_id in seen:
            raise AllocationError("alloc.duplicate_bill", {"bill": bill_id})
        seen.add(bill_id)
        bill = by_id.get(bill_id)
        if bill is None:
            raise AllocationError("alloc.unknown_bill", {"bill": bill_id})
        if bill.outstanding <= 0:
            raise AllocationError("alloc.closed_bill", {"bill": bill_id})
        chosen.append(bill)
    return chosen


def allocate(
    amount: Decimal, bills: Sequence[OpenBill], named: Sequence[str] | None = None
) -> tuple[Allocation, ...]:
    """Split a payment over open bills; the rest becomes one final Allocation(PREPAID, rest).

    Without `named`, bills with something outstanding are paid oldest first (see `oldest_first`); with
    `named` (a non-empty list of bill ids) only those, in the order given. The amount must be positive
    with at most 2 decimals. The allocations add up to `amount` exactly.
    """
    try:
        amount = as_decimal(amount)
    except (TypeError, InvalidOperation):
        raise AllocationError("alloc.amount", {"amount": amount}) from None
    if not (is_cents(amount) and amount > 0):
        raise AllocationError("alloc.amount", {"amount": amount})
    targets = _named_bills(bills, named) if named else oldest_first(bills)
    remaining = amount.quantize(CENT)
    allocations: list[Allocation] = []
    for bill in targets:
        if remaining <= 0:
            break
        share = min(bill.outstanding, remaining)
        allocations.append(Allocation(bill.bill_id, _tidy(share)))
        remaining -= share
    if remaining > 0:
        allocations.append(Allocation(PREPAID, _tidy(remaining)))
    return tuple(allocations)


def consume_prepaid(
    sources: Sequence[tuple[str, Decimal]], bills: Sequence[OpenBill]
) -> list[tuple[str, str, Decimal]]:
    """Apply prepaid balances to open bills, both oldest first.

    `sources`: (receipt_no, prepaid amount still available), oldest first. Returns the moves
    (receipt_no, bill_id, amount); they add up to the smaller of the total available and the total
    outstanding. A source or bill with nothing to give or owe is skipped.
    """
    moves: list[tuple[str, str, Decimal]] = []
    pending = [(receipt, as_decimal(available)) for receipt, available in sources if as_decimal(available) > 0]
    targets = oldest_first(bills)
    s = b = 0
    left = pending[0][1] if pending else ZERO
    owed = targets[0].outstanding if targets else ZERO
    while s < len(pending) and b < len(targets):
        share = min(left, owed)
        moves.append((pending[s][0], targets[b].bill_id, _tidy(share)))
        left -= share
        owed -= share
        if left == 0:
            s += 1
            left = pending[s][1] if s < len(pending) else ZERO
        if owed == 0:
            b += 1
            owed = targets[b].outstanding if b < len(targets) else ZERO
    return moves


def spend_prepaid(allocs: Sequence[Allocation], spent: Sequence[tuple[str, Decimal]]) -> tuple[Allocation, ...]:
    """A payment's allocations after some of its 预存 paid bills: `spent` (bill_id, amount) moves out of
    the 预存 entries into bill entries, placed before whatever 预存 is left. The total is unchanged."""
    used = sum((as_decimal(amount) for _, amount in spent), ZERO)
    kept: list[Allocation] = []
    for a in allocs:
        if a.target == PREPAID:
            take = min(used, a.amount)
            used -= take
            if a.amount - take > 0:
                kept.append(Allocation(PREPAID, _tidy(a.amount - take)))
        else:
            kept.append(a)
    if used > 0:
        raise AllocationError("alloc.overspent", {"amount": used})
    bills = [a for a in kept if a.target != PREPAID] + [Allocation(b, _tidy(as_decimal(amt))) for b, amt in spent]
    return (*bills, *(a for a in kept if a.target == PREPAID))


def format_allocations(allocs: Iterable[Allocation]) -> str:
    """`ZD202501000001:120.00;ZD202502000001:80.50;预存:10.00` — amounts with exactly 2 decimals."""
    return ";".join(f"{a.target}:{as_decimal(a.amount).quantize(CENT):f}" for a in allocs)


_ENTRY = re.compile(r"^([^:]+):([+-]?\d+(?:\.\d{1,2})?)$")
_ENTRY_SEPARATORS = re.compile(r"[;\n]")
# what format_allocations writes (ASCII bill numbers or 预存, two decimals): read without normalising
_WRITTEN = re.compile(r"(?:[0-9A-Za-z_-]+|预存):[0-9]+\.[0-9]{2}(?:;(?:[0-9A-Za-z_-]+|预存):[0-9]+\.[0-9]{2})*")


def parse_allocations(text: str | None) -> tuple[Allocation, ...]:
    """The 分配 cell → allocations (the inverse of format_allocations). Blank → ().

    Spaces, full-width `：；` and line breaks are tolerated; a repeated target stays a separate entry;
    an amount may have at most 2 decimals. Anything else raises AllocationError("alloc.syntax").
    """
    return tuple(Allocation(target, amount) for target, amount in allocation_pairs(text))


# An amount's text → its Decimal, the same object for the same text (immutable): a year of L's payments
# is 900,000 parts, most of them a handful of fees; one object each was ~90 MB.
_amount = lru_cache(maxsize=4096)(Decimal)


def allocation_pairs(text: str | None) -> list[tuple[str, Decimal]]:
    """parse_allocations as (target, amount) pairs: a report reading every 分配 of a year of a big
    estate's payments (200,000 entries) spends most of its time building the Allocations otherwise."""
    if text is None or not str(text).strip():
        return []
    if isinstance(text, str) and _WRITTEN.fullmatch(text):  # the common case, a few times faster
        return [(t, _amount(a)) for t, _, a in (e.partition(":") for e in text.split(";"))]
    normal = unicodedata.normalize("NFKC", str(text)).replace("\r", "\n")
    pairs = []
    for entry in _ENTRY_SEPARATORS.split(normal):
        entry = re.sub(r"\s+", "", entry)
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if not match:
            raise AllocationError("alloc.syntax", {"text": text})
        pairs.append((match.group(1), Decimal(match.group(2)).quantize(CENT)))
    return pairs


def bill_status(amount: Decimal, paid: Decimal) -> str:
    """未缴 (nothing paid), 部分 (part paid) or 已缴 (paid in full; also a bill of 0). 减免 is the clerk's."""
    if paid >= amount:
        return PAID
    if paid <= 0:
        return UNPAID
    return PARTIAL
