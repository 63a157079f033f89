"""The group figures, computed by SQL in the group database over every estate published: the month's fee
figures of `stats monthly` (docs/stats.md, `domain.kpi`) and the arrears by age of `arrears report`, per
estate and for the whole company, with the same definitions — so that for any one estate they equal the
workbook commands to the cent (tests/test_group.py holds both to it).

The SQL reads the derived tables publish fills from propcli's own code (`facts.py`): `bill_facts` (金额,
已收 now, 减免, due day, waived, the former owner's 过户 day) and `payment_parts` (every payment's 分配
split as `ops.stats.payment_parts` splits it). The day rules are those of `ops.stats.Ledger.paid_on_day`
and `ops.arrears._paid_after`: what was paid into a bill by the end of a day D is its 已收 now, less what
payments received after D put into it, plus what payments received by D and voided after D had put in
(`_back`, over the payments after the earliest day asked: `_recent`). A bill is overdue on D when its due
day is before D, and its overdue month is
`propcli.months_overdue(due, D)` (migration 2: `domain.arrears.months_overdue` in SQL).

The company's row is the same SQL over all estates (grouping sets): sums of the estates' amounts and
counts, its rates recomputed from those sums by `kpi.ratio` — never an average of the estates' rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import psycopg

from ..domain import kpi
from ..domain.allocation import PREPAID
from ..domain.arrears import BUCKETS
from . import tables

S = tables.SCHEMA
ZERO = kpi.ZERO
FACTS_SINCE = 2  # the migration that last changed what publish puts in the derived tables


LABELS = tuple(label for _, _, label in BUCKETS)


@dataclass(frozen=True)
class Ageing:
    """What was owed on a day (the arrears report's debts): debtors (a unit's present owner, or a former
    owner for the bills before a 过户), bills, the amount, and per bucket (its key) bills and amount."""

    debtors: int = 0
    bills: int = 0
    total: Decimal = ZERO
    buckets: dict[str, tuple[int, Decimal]] | None = None  # by label (`1–3` … `>36`)

    def bucket(self, label: str) -> tuple[int, Decimal]:
        return (self.buckets or {}).get(label, (0, ZERO))


@dataclass(frozen=True)
class EstateStats:
    estate: str  # '' for the company's row
    published_at: dt.datetime | None
    fees: kpi.FeeFigures
    target: Decimal | None  # 小区信息 › 收费率目标 (None: the company's row, or a value that is no percentage)
    ageing: Ageing  # at the period's end day


@dataclass(frozen=True)
class EstateArrears:
    estate: str
    published_at: dt.datetime | None
    ageing: Ageing


@dataclass
class GroupStats:
    period: str
    as_of: dt.date
    end: dt.date  # min(the period's last day, as_of): the day of the arrears at the end
    estates: list[EstateStats]
    total: EstateStats
    stale: list[str]  # estates published before the database was upgraded: left out, to publish again


@dataclass
class GroupArrears:
    as_of: dt.date
    estates: list[EstateArrears]
    total: EstateArrears
    stale: list[str]


# -- the SQL ------------------------------------------------------------------------------------------


RECENT = tables.RECENT


def _recent(since: str) -> str:
    """The CTE `recent`: the payment parts received after the day `since`, or voided — the only ones a day
    after it can see differently from now (read once, from the covering index on paid_on)."""
    return (f"recent as materialized (\nselect {RECENT} from {S}.payment_parts\n"
            f" where paid_on > %({since})s and estate = any(%(estates)s)\nunion all\n"
            f"select {RECENT} from {S}.payment_parts\n"
            f" where voided and paid_on <= %({since})s and estate = any(%(estates)s))")


def _back(days: tuple[str, ...], which: str) -> str:  # the first day is the earliest
    """Per bill among `which` (a condition on the part's target_period / target_due), for each named day,
    what to add to 金额 − 已收 to get what was owed at its close (= what to take from 已收 to get what was
    paid by then): payments received after the day, less those received by then and voided after it —
    all among `recent`."""
    sums = ",\n".join(
        f"sum(case when not voided then case when paid_on > %({d})s then amount else 0 end "
        f"when void_day > %({d})s and paid_on <= %({d})s then -amount else 0 end) as back_{d}" for d in days)
    return (f"select estate, target as bill_id,\n{sums}\n  from recent where (paid_on > %({days[0]})s or voided) "
            f"and {which}\n group by estate, target")


def _unpaid(where: str, late: str) -> str:
    """The bills `where` says (`{b}` before each column) that may owe something on a day: those not paid
    in full now (the partial index bill_facts_open holds what is read of them), and those paid in full now
    that a payment after the day changed (the CTE `late`), each looked up by its key (`offset 0` keeps the
    planner from hashing every bill to find a few)."""
    cols = "estate, bill_id, unit_id, former_on, period, amount, paid, due"
    return f"""select {cols} from {S}.bill_facts
         where estate = any(%(estates)s) and amount <> paid and not waived_bill and {where.replace("{b}", "")}
        union all
        select b.* from {late} l cross join lateral (
            select {cols} from {S}.bill_facts b where b.estate = l.estate and b.bill_id = l.bill_id
               and b.amount = b.paid and not b.waived_bill and {where.replace("{b}", "b.")} offset 0) b"""


def _owed(day: str) -> str:
    """The CTEs `late_owed` and `owed`: the bills overdue and unpaid at the close of `day`
    (`ops.arrears._owed`): not waived, due before the day, owing something then."""
    return f"""late_owed as (
{_back((day,), f"target_due < %({day})s")}),
owed as (
select b.estate, coalesce(b.unit_id, '') as unit, b.former_on,
       b.amount - b.paid + coalesce(l.back_{day}, 0) as owed, {S}.months_overdue(b.due, %({day})s) as months
  from ({_unpaid("{b}due < %(" + day + ")s", "late_owed")}) b
  left join late_owed l on l.estate = b.estate and l.bill_id = b.bill_id)"""


def _bucket_columns() -> str:
    out = []
    for i, (low, high, _) in enumerate(BUCKETS):
        cond = f"months >= {low}" + (f" and months <= {high}" if high is not None else "")
        out.append(f"count(*) filter (where {cond}) as n{i}, coalesce(sum(owed) filter (where {cond}), 0) as o{i}")
    return ",\n       ".join(out)


AGEING_CTES = f"""ageing as (
select estate, count(*) as bills, sum(owed) as owed,
       {_bucket_columns()}
  from owed where owed > 0 group by estate),
debtors as (
select estate, count(*) as debtors
  from (select distinct estate, unit, former_on from owed where owed > 0) d group by estate)"""


def _ageing_sums() -> str:
    cols = ["coalesce(sum(d.debtors), 0)", "coalesce(sum(a.bills), 0)", "coalesce(sum(a.owed), 0)"]
    for i in range(len(BUCKETS)):
        cols += [f"coalesce(sum(a.n{i}), 0)", f"coalesce(sum(a.o{i}), 0)"]
    return ", ".join(cols)


STATS_SQL = f"""with {_recent("eve")},
late_month as (
{_back(("day",), "target_period = %(period)s")}),
month as (
select b.estate, coalesce(b.unit_id, '') as unit, b.amount - b.waived as billed, b.waived,
       b.paid - coalesce(l.back_day, 0) as paid
  from {S}.bill_facts b left join late_month l on l.estate = b.estate and l.bill_id = b.bill_id
 where b.estate = any(%(estates)s) and b.period = %(period)s),
fees as (
select estate, sum(billed) as billed, sum(waived) as waived, sum(paid) as collected from month group by estate),
homes as (
select estate, count(*) as households_billed, count(*) filter (where not owing) as households_paid
  from (select estate, unit, bool_or(paid < billed) as owing from month where billed > 0 group by estate, unit) u
 group by estate),
late_old as (
{_back(("eve", "fin"), "target_period < %(period)s and target_due < %(start)s")}),
old as (
select b.estate, b.amount - b.paid + coalesce(l.back_eve, 0) as at_start,
       greatest(b.amount - b.paid + coalesce(l.back_fin, 0), 0) as at_end
  from ({_unpaid("{b}period < %(period)s and {b}due < %(start)s", "late_old")}) b
  left join late_old l on l.estate = b.estate and l.bill_id = b.bill_id),
recovery as (
select estate, sum(at_start) as at_start, sum(least(at_start, greatest(at_start - at_end, 0))) as recovered
  from old where at_start > 0 group by estate),
received as (
select estate, sum(amount) as received from recent
 where paid_on >= %(start)s and paid_on <= %(fin)s and (not voided or void_day > %(day)s)
   and (target = %(prepaid)s or target_period > %(period)s)
 group by estate),
late_held as (
{_back(("fin",), "target_period > %(period)s")}),
held as (
select estate, sum(amount) as held from {S}.payment_parts
 where estate = any(%(estates)s) and target = %(prepaid)s and paid_on <= %(fin)s and (not voided or void_day > %(fin)s)
 group by estate
union all
select estate, sum(paid) from {S}.bill_facts
 where estate = any(%(estates)s) and period > %(period)s and paid <> 0 group by estate
union all
select b.estate, -sum(l.back_fin) from late_held l cross join lateral (
    select estate from {S}.bill_facts b where b.estate = l.estate and b.bill_id = l.bill_id and b.paid <> 0 offset 0) b
 group by b.estate),
balance as (select estate, sum(held) as held from held group by estate),
{_owed("fin")},
{AGEING_CTES}
select grouping(e.estate) = 1 as company, e.estate, max(e.published_at),
       coalesce(sum(f.billed), 0), coalesce(sum(f.waived), 0), coalesce(sum(f.collected), 0),
       coalesce(sum(h.households_billed), 0), coalesce(sum(h.households_paid), 0),
       coalesce(sum(r.at_start), 0), coalesce(sum(r.recovered), 0),
       coalesce(sum(rc.received), 0), coalesce(sum(bl.held), 0),
       {_ageing_sums()}
  from {S}.estates e
  left join fees f on f.estate = e.estate left join homes h on h.estate = e.estate
  left join recovery r on r.estate = e.estate left join received rc on rc.estate = e.estate
  left join balance bl on bl.estate = e.estate
  left join ageing a on a.estate = e.estate left join debtors d on d.estate = e.estate
 where e.estate = any(%(estates)s)
 group by grouping sets ((e.estate), ())
 order by grouping(e.estate), e.estate"""

ARREARS_SQL = f"""with {_recent("day")},
{_owed("day")},
{AGEING_CTES}
select grouping(e.estate) = 1 as company, e.estate, max(e.published_at), {_ageing_sums()}
  from {S}.estates e
  left join ageing a on a.estate = e.estate left join debtors d on d.estate = e.estate
 where e.estate = any(%(estates)s)
 group by grouping sets ((e.estate), ())
 order by grouping(e.estate), e.estate"""


# -- running them --------------------------------------------------------------------------------------


def estates(conn: psycopg.Connection) -> tuple[list[str], list[str]]:
    """The estates published (those the connecting role may read), and among them those last published
    before the database reached FACTS_SINCE: their derived rows lack what the figures read (they are left
    out, to publish again)."""
    rows = conn.execute(
        f"select estate, published_at < (select applied_at from {S}.schema_version where version = %s) "
        f"from {S}.estates order by estate", (FACTS_SINCE,)).fetchall()
    return [r[0] for r in rows if not r[1]], [r[0] for r in rows if r[1]]


# the sorts and hashes of 10 million bills in memory, not on disk; no JIT: compiling the query's expressions
# took longer than running them
WORK_MEM = "set local work_mem = '128MB'; set local jit = off"


def _targets(conn: psycopg.Connection) -> dict[str, Decimal | None]:
    """小区信息 › 收费率目标 of each estate, read by `kpi.parse_target` (None: not a percentage)."""
    out: dict[str, Decimal | None] = {}
    for estate, value in conn.execute(f"select estate, value from {S}.settings where key = 'collection_target'"):
        try:
            out[estate] = kpi.parse_target(value)
        except kpi.TargetError:
            out[estate] = None
    return out


def _ageing(values: tuple) -> Ageing:
    debtors, bills, total, *per = values
    buckets = {label: (int(per[2 * i]), per[2 * i + 1]) for i, label in enumerate(LABELS)}
    return Ageing(int(debtors), int(bills), total, buckets)


def stats(conn: psycopg.Connection, period: str, as_of: dt.date) -> GroupStats:
    """The month's figures of every estate as of a day, and the company's."""
    start, fin = kpi.period_window(period, as_of)
    fresh, old = estates(conn)
    params = {"period": period, "day": as_of, "fin": fin, "eve": start - dt.timedelta(days=1), "start": start,
              "prepaid": PREPAID, "estates": fresh}
    conn.execute(WORK_MEM)
    targets = _targets(conn)
    rows = []
    for company, estate, published, billed, waived, collected, homes, paid_up, at_start, recovered, received, \
            held, *ageing in conn.execute(STATS_SQL, params):
        fees = kpi.FeeFigures(billed, waived, collected, int(homes), int(paid_up), at_start, recovered, received, held)
        rows.append(EstateStats("" if company else estate, published, fees,
                                None if company else targets.get(estate, kpi.DEFAULT_TARGET), _ageing(tuple(ageing))))
    conn.rollback()
    total = rows.pop() if rows and rows[-1].estate == "" else EstateStats("", None, kpi.total(()), None, Ageing())
    return GroupStats(period, as_of, fin, rows, total, old)


def arrears(conn: psycopg.Connection, as_of: dt.date) -> GroupArrears:
    """The arrears of every estate as of a day, by age, and the company's."""
    fresh, old = estates(conn)
    conn.execute(WORK_MEM)
    rows = [EstateArrears("" if company else estate, published, _ageing(tuple(ageing)))
            for company, estate, published, *ageing in conn.execute(ARREARS_SQL, {"day": as_of, "estates": fresh})]
    conn.rollback()
    total = rows.pop() if rows and rows[-1].estate == "" else EstateArrears("", None, Ageing())
    return GroupArrears(as_of, rows, total, old)
