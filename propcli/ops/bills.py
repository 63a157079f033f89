"""Reports over the whole bills register (应收账单), read column by column: no Row per bill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..domain.people import building_name, unit_sort_key
from ..store import schema
from ..store.workbook import Workbook
from .units import building_lookup

ZERO = Decimal(0)
NONE = "—"  # the 楼栋 of a unit whose 房号 and owner record do not say


@dataclass
class Line:
    building: str
    period: str
    bills: int
    amount: Decimal
    paid: Decimal
    waived: Decimal = ZERO  # what 减免 bills left unpaid: not owed

    @property
    def owing(self) -> Decimal:
        return self.amount - self.paid - self.waived

    def record(self) -> dict[str, object]:
        return {"building": self.building, "period": self.period, "bills": self.bills, "amount": self.amount,
                "paid": self.paid, "owing": self.owing}


def summary(wb: Workbook, *, building: str | None = None, period: str | None = None) -> tuple[list[Line], Line]:
    """Totals of 应收账单 by 楼栋 and 账期 — 金额, 已收 and 欠费 (金额 − 已收, less what 减免 bills left
    unpaid: a waived bill is not owed) — and their grand total.

    Totals are sums of the bills' own (rounded) amounts, so they reconcile to the cent. Bills without a
    金额 are counted but add nothing; a blank 已收 is 0. A unit whose 楼栋 is unknown is filed under —.
    """
    building_of = building_lookup(wb)
    keys = ("unit_id", "period", "amount", "paid", "status")
    cols = wb.columns(schema.BILLS, keys)
    groups: dict[tuple[str, str], list] = {}
    for unit, month, amount, paid, status in zip(*(cols[k] for k in keys)):
        if unit is None and month is None and amount is None:
            continue
        key = ((building_of(str(unit)) if unit is not None else "") or NONE, month or "")
        g = groups.get(key)
        if g is None:
            g = groups[key] = [0, ZERO, ZERO, ZERO]
        g[0] += 1
        if amount is not None:
            g[1] += amount
        if paid is not None:
            g[2] += paid
        if status == "减免" and amount is not None:
            g[3] += amount - (paid or ZERO)
    lines = [Line(b, p, n, a, pd, w) for (b, p), (n, a, pd, w) in groups.items()
             if (building is None or b == building_name(building)) and (period is None or p == period)]
    lines.sort(key=lambda x: (unit_sort_key(x.building), x.period))
    total = Line("", "", sum(x.bills for x in lines), sum((x.amount for x in lines), ZERO),
                 sum((x.paid for x in lines), ZERO), sum((x.waived for x in lines), ZERO))
    return lines, total
