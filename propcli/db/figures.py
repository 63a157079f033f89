"""The group figures, computed by SQL in the group database over every estate published: the month's fee
figures of `stats monthly` (docs/stats.md, `domain.kpi`) and the arrears by age of `arrears report`, per
estate and for the whole company, with the same definitions — so that for any one estate they equal the
workbook commands to the cent (tests/test_group.py holds both to it).

The SQL reads what publish makes from propcli's own code (`facts.py`): `bill_facts` (金额, 已收 now, 减免,
due day, waived, the former owner's 过户 day), `payment_parts` (every payment's 分配 split as
`ops.stats.payment_parts` splits it, each part carrying what is read of the bill it names) and their sums
per estate (migration 3: `period_sums`, `unit_periods`, `open_dues`, `part_days`). The day rules are those
of `ops.stats.Ledger.paid_on_day` and `ops.arrears._paid_after`: what was paid into a bill by the end of a
day D is its 已收 now, less what payments received after D put into it, plus what payments received by D
and voided after D had put in (`_back`, over the payments after the earliest day asked: `_recent`). So a
figure on D is the sums as they are now, less the bills such a payment touched as they are now, plus those
bills as they were on D — one by one only those, from the parts alone. A bill is overdue on D when its due
day is before D, and its overdue month is `propcli.months_overdue(due, D)` (migration 2:
`domain.arrears.months_overdue` in SQL).

The estates are shared between a few connections (PROPCLI_DB_WORKERS), all in one snapshot; each runs the
same SQL over its estates, with a company's row (grouping sets) whose sums `_run` adds up — sums of the
estates' amounts and counts, its rates recomputed from those sums by `kpi.ratio`, never an average of the
estates' rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import psycopg

from ..domain import kpi
from ..domain.allocation import PREPAID
from ..domain.arrears import BUCKETS
from . import tables

S = tables.SCHEMA
ZERO = kpi.ZERO
FACTS_SINCE = 3  # the migration that last changed what publish puts in the derived tables


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


def _recent(since: str, which: str) -> str:
    """The CTE `recent`: the payment parts received after the day `since`, or voided — the only ones a day
    after it can see differently from now (read once, from the covering index on paid_on) — among those
    `which` names: the parts into the bills the figures look at one by one."""
    return (f"recent as materialized (\nselect {RECENT} from {S}.payment_parts\n"
            f" where paid_on > %({since})s and estate = any(%(estates)s) and ({which})\nunion all\n"
            f"select {RECENT} from {S}.payment_parts\n"
            f" where voided and paid_on <= %({since})s and estate = any(%(estates)s) and ({which}))")


def _back(days: tuple[str, ...], which: str) -> str:  # the first day is the earliest
    """Per bill among `which` (a condition on the part's target_period / target_due), for each named day,
    what to add to 金额 − 已收 to get what was owed at its close (= what to take from 已收 to get what was
    paid by then): payments received after the day, less those received by then and voided after it —
    all among `recent`; with what the parts carry of the bill (migration 3), so that a bill paid in full
    now is known without looking it up."""
    sums = ",\n".join(
        f"sum(case when not voided then case when paid_on > %({d})s then amount else 0 end "
        f"when void_day > %({d})s and paid_on <= %({d})s then -amount else 0 end) as back_{d}" for d in days)
    return (f"select estate, target as bill_id, {BILL_OF_PART},\n{sums}\n  from recent "
            f"where (paid_on > %({days[0]})s or voided) and {which}\n group by estate, target, {BILL_GROUP}")


# what a part carries of the bill it names, under bill_facts' names
BILL_OF_PART = ("target_unit as unit_id, target_former_on as former_on, target_period as period, "
                "target_amount as amount, target_paid as paid, target_due as due, target_waived_bill as waived_bill")
BILL_GROUP = ", ".join(c.split(" as ")[0] for c in BILL_OF_PART.split(", "))


# a bill's 应收 after 减免 (bill_facts: amount − waived), from what a part carries of it
BILLED = "amount - case when waived_bill then greatest(amount - paid, 0) else 0 end"


def _owed(day: str) -> str:
    """The CTEs `late_owed` and `owed`: what was overdue and unpaid at the close of `day` (`ops.arrears._owed`:
    bills not waived, due before the day, owing something then), per (estate, unit, former owner, due day)
    with its bills: the bills owing now (`open_dues`, summed at publish), less those a payment after the day
    changed (`late_owed`, from the parts alone) as they are now, plus those as they were on the day."""
    return f"""late_owed as (
{_back((day,), f"target_due < %({day})s")}),
owed_rows as (
select estate, due, unit, former_on, owed, bills from {S}.open_dues
 where estate = any(%(estates)s) and due < %({day})s
union all
select estate, due, coalesce(unit_id, ''), former_on, -(amount - paid), -1 from late_owed
 where amount is not null and not waived_bill and amount > paid
union all
select estate, due, coalesce(unit_id, ''), former_on, amount - paid + back_{day}, 1 from late_owed
 where amount is not null and not waived_bill and amount - paid + back_{day} > 0),
owed as (
select estate, unit, former_on, sum(owed) as owed, sum(bills) as bills, {S}.months_overdue(due, %({day})s) as months
  from owed_rows group by estate, unit, former_on, due having sum(bills) > 0)"""


def _bucket_columns() -> str:
    out = []
    for i, (low, high, _) in enumerate(BUCKETS):
        cond = f"months >= {low}" + (f" and months <= {high}" if high is not None else "")
        out.append(f"coalesce(sum(bills) filter (where {cond}), 0) as n{i}, "
                   f"coalesce(sum(owed) filter (where {cond}), 0) as o{i}")
    return ",\n       ".join(out)


AGEING_CTES = f"""ageing as (
select estate, sum(bills) as bills, sum(owed) as owed,
       {_bucket_columns()}
  from owed group by estate),
debtors as (
select estate, count(*) as debtors
  from (select distinct estate, unit, former_on from owed) d group by estate)"""


def _ageing_sums() -> str:
    cols = ["coalesce(sum(d.debtors), 0)", "coalesce(sum(a.bills), 0)", "coalesce(sum(a.owed), 0)"]
    for i in range(len(BUCKETS)):
        cols += [f"coalesce(sum(a.n{i}), 0)", f"coalesce(sum(a.o{i}), 0)"]
    return ", ".join(cols)


# The month's figures: its sums now (`period_sums`, at publish) less what payments after the day put in;
# a household paid up now or on the day differs only where such a payment went (`unit_periods`: the bills
# each household owes now). 期初欠费 and its recovery: the bills owing now (`open_dues`), and those a payment
# since the period's eve changed, bill by bill (`late_old`: untouched, a debt was not recovered).
# the parts into the bills looked at one by one: the month's paid after the day, the bills overdue when it
# began (paid after its eve: all of `recent`), those overdue at its end paid after it (and the voided ones)
STATS_RECENT = ("target_period = %(period)s and (paid_on > %(day)s or voided)"
                " or target_period < %(period)s and target_due < %(start)s"
                " or target_due < %(fin)s and (paid_on > %(fin)s or voided)")

STATS_SQL = f"""with {_recent("eve", STATS_RECENT)},
voided as materialized (
select estate, target, target_period, target_amount, target_paid, paid_on, void_day, amount from {S}.payment_parts
 where voided and estate = any(%(estates)s)),
days as (
select estate, target_period, prepaid, billed, paid_on, amount from {S}.part_days where estate = any(%(estates)s)),
sums as (
select estate, billed, waived, paid, households_billed, households_paid from {S}.period_sums
 where estate = any(%(estates)s) and period = %(period)s),
late_month as (
select *, {BILLED} as billed from (
{_back(("day",), "target_period = %(period)s")}) l where amount is not null),
touched as (
select estate, coalesce(unit_id, '') as unit, count(*) filter (where paid < billed) as now,
       count(*) filter (where paid - back_day < billed) as on_day
  from late_month where billed > 0 group by estate, coalesce(unit_id, '')),
homes as (
select t.estate, count(*) filter (where coalesce(u.owing, 0) > 0 and coalesce(u.owing, 0) - t.now + t.on_day = 0)
       - count(*) filter (where coalesce(u.owing, 0) = 0 and t.on_day > 0) as gained
  from touched t left join {S}.unit_periods u on u.estate = t.estate and u.period = %(period)s and u.unit = t.unit
 group by t.estate),
fees as (
select s.estate, s.billed, s.waived, s.paid - coalesce(l.back, 0) as collected, s.households_billed,
       s.households_paid + coalesce(h.gained, 0) as households_paid
  from sums s left join (select estate, sum(back_day) as back from late_month group by estate) l on l.estate = s.estate
  left join homes h on h.estate = s.estate),
late_old as (
select *, amount - paid + back_eve as at_start, greatest(amount - paid + back_fin, 0) as at_end from (
{_back(("eve", "fin"), "target_period < %(period)s and target_due < %(start)s")}) l
 where amount is not null and not waived_bill),
old as (
select estate, owed as at_start, 0 as recovered from {S}.open_dues
 where estate = any(%(estates)s) and period < %(period)s and due < %(start)s
union all
select estate, -(amount - paid), 0 from late_old where amount > paid
union all
select estate, at_start, least(at_start, greatest(at_start - at_end, 0)) from late_old where at_start > 0),
recovery as (
select estate, sum(at_start) as at_start, sum(recovered) as recovered from old group by estate),
received as (
select estate, sum(amount) as received from (
select estate, amount from days
 where paid_on >= %(start)s and paid_on <= %(fin)s and (prepaid or target_period > %(period)s)
union all
select estate, amount from voided
 where paid_on >= %(start)s and paid_on <= %(fin)s and void_day > %(day)s
   and (target = %(prepaid)s or target_period > %(period)s)) r
 group by estate),
held as (
select estate, sum(amount) as held from {S}.payment_parts
 where estate = any(%(estates)s) and target = %(prepaid)s and paid_on <= %(fin)s and (not voided or void_day > %(fin)s)
 group by estate
union all
select estate, sum(paid) from {S}.period_sums where estate = any(%(estates)s) and period > %(period)s group by estate
union all
select estate, -sum(amount) from days where billed and target_period > %(period)s and paid_on > %(fin)s group by estate
union all
select estate, sum(amount) from voided
 where target_amount is not null and target_paid <> 0 and target_period > %(period)s and paid_on <= %(fin)s
   and void_day > %(fin)s group by estate),
balance as (select estate, sum(held) as held from held group by estate),
{_owed("fin")},
{AGEING_CTES}
select grouping(e.estate) = 1 as company, e.estate, max(e.published_at),
       coalesce(sum(f.billed), 0), coalesce(sum(f.waived), 0), coalesce(sum(f.collected), 0),
       coalesce(sum(f.households_billed), 0), coalesce(sum(f.households_paid), 0),
       coalesce(sum(r.at_start), 0), coalesce(sum(r.recovered), 0),
       coalesce(sum(rc.received), 0), coalesce(sum(bl.held), 0),
       {_ageing_sums()}
  from {S}.estates e
  left join fees f on f.estate = e.estate
  left join recovery r on r.estate = e.estate left join received rc on rc.estate = e.estate
  left join balance bl on bl.estate = e.estate
  left join ageing a on a.estate = e.estate left join debtors d on d.estate = e.estate
 where e.estate = any(%(estates)s)
 group by grouping sets ((e.estate), ())
 order by grouping(e.estate), e.estate"""

ARREARS_SQL = f"""with {_recent("day", "target_due < %(day)s")},
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


# connections the figures run on at once, each with a share of the estates: a server process (a core) each
WORKERS = ("PROPCLI_DB_WORKERS", 2, 1, 16)

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


def _split(conn: psycopg.Connection, names: list[str], n: int) -> list[list[str]]:
    """The estates in n groups of about as many bills each (the biggest first, each to the lightest group)."""
    sizes = dict(conn.execute(f"select estate, coalesce((rows -> 'bill_facts' ->> 'rows')::bigint, 0) "
                              f"from {S}.estates where estate = any(%s)", (names,)).fetchall())
    weights = [0] * (min(n, len(names)) or 1)
    groups: list[list[str]] = [[] for _ in weights]
    for name in sorted(names, key=lambda e: -sizes.get(e, 0)):
        k = weights.index(min(weights))
        weights[k] += sizes.get(name, 0)
        groups[k].append(name)
    return groups


def _run(conns: Sequence[psycopg.Connection], sql: str, params: dict, names: list[str]) -> list[tuple]:
    """`sql` over the estates, a group of them per connection at once (one core each on the server), all
    in the first one's snapshot; its rows per estate in order, then the company's (the groups' summed)."""
    first = conns[0]
    first.execute("set transaction isolation level repeatable read")
    if len(conns) > 1:
        snapshot = first.execute("select pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        for conn in conns[1:]:
            conn.execute("set transaction isolation level repeatable read")
            conn.execute(f"set transaction snapshot '{snapshot}'")
    for conn in conns:
        conn.execute(WORK_MEM)
    groups = _split(first, names, len(conns))

    def one(k: int) -> list[tuple]:
        return conns[k].execute(sql, {**params, "estates": groups[k]}).fetchall()

    if len(groups) == 1:
        found = one(0)
    else:
        with ThreadPoolExecutor(len(groups)) as pool:
            found = [row for rows in pool.map(one, range(len(groups))) for row in rows]
    for conn in conns:
        conn.rollback()
    rows = sorted((r for r in found if not r[0]), key=lambda r: r[1])
    parts = [r for r in found if r[0]]
    if parts:  # the company's row: sums of the groups' sums, the last publish
        rows.append((True, None, max((p[2] for p in parts if p[2] is not None), default=None),
                     *(sum(col) for col in zip(*(p[3:] for p in parts)))))
    return rows


def stats(conns: Sequence[psycopg.Connection], period: str, as_of: dt.date) -> GroupStats:
    """The month's figures of every estate as of a day, and the company's (`conns`: one or more
    connections to the database, the estates shared between them)."""
    start, fin = kpi.period_window(period, as_of)
    conn = conns[0]
    fresh, old = estates(conn)
    targets = _targets(conn)
    conn.rollback()
    params = {"period": period, "day": as_of, "fin": fin, "eve": start - dt.timedelta(days=1), "start": start,
              "prepaid": PREPAID}
    rows = []
    for company, estate, published, billed, waived, collected, homes, paid_up, at_start, recovered, received, \
            held, *ageing in _run(conns, STATS_SQL, params, fresh):
        fees = kpi.FeeFigures(billed, waived, collected, int(homes), int(paid_up), at_start, recovered, received, held)
        rows.append(EstateStats("" if company else estate, published, fees,
                                None if company else targets.get(estate, kpi.DEFAULT_TARGET), _ageing(tuple(ageing))))
    total = rows.pop() if rows and rows[-1].estate == "" else EstateStats("", None, kpi.total(()), None, Ageing())
    return GroupStats(period, as_of, fin, rows, total, old)


def arrears(conns: Sequence[psycopg.Connection], as_of: dt.date) -> GroupArrears:
    """The arrears of every estate as of a day, by age, and the company's."""
    fresh, old = estates(conns[0])
    conns[0].rollback()
    rows = [EstateArrears("" if company else estate, published, _ageing(tuple(ageing)))
            for company, estate, published, *ageing in _run(conns, ARREARS_SQL, {"day": as_of}, fresh)]
    total = rows.pop() if rows and rows[-1].estate == "" else EstateArrears("", None, Ageing())
    return GroupArrears(as_of, rows, total, old)
