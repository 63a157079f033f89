"""The group database's tables, declared once: one table per register of `store.schema` (its columns under
their English keys, typed by their Kind), the settings of 小区信息, the derived tables publish fills from
propcli's own readers (`facts.py`), the estates published, and the migrations that create them.

Every table's first column is `estate` and every key and index leads with it; row-level security on it
(`security_sql`) lets a clerk's role see and write only its own estates and the head office read them all.
The DDL is plain SQL generated from these declarations: `propcli db upgrade --sql` prints it for a DBA.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..store import schema
from ..store.schema import Kind

SCHEMA = "propcli"

# The SQL type of each kind of column. Identifiers are text (a 房号 `0012` stays `0012`); money is exact.
# Identifiers compare byte by byte (collate "C"): keys sort and index fast whatever the database's locale.
KEY_TEXT = 'text collate "C"'
SQL_TYPES: dict[Kind, str] = {
    Kind.ID: KEY_TEXT, Kind.TEXT: "text", Kind.PHONE: KEY_TEXT, Kind.IDNO: KEY_TEXT, Kind.PERIOD: KEY_TEXT,
    Kind.ENUM: "text", Kind.MONEY: "numeric(14,2)", Kind.DECIMAL: "numeric", Kind.INT: "bigint",
    Kind.DATE: "date", Kind.DATETIME: "timestamp",
}


@dataclass(frozen=True)
class Table:
    """A table of the group database: (column, SQL type) pairs after `estate`, a key and the indexes."""

    name: str
    columns: tuple[tuple[str, str], ...]
    primary: tuple[str, ...] = ()  # after estate; () = no primary key
    indexes: tuple[tuple[str, ...], ...] = ()  # each after estate
    sheet: schema.Sheet | None = None  # the register it holds, for registers

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return ("estate", *(c for c, _ in self.columns))

    @property
    def money(self) -> tuple[str, ...]:
        """The columns whose sums publish reconciles."""
        return tuple(c for c, t in self.columns if t.startswith("numeric(14,2)"))

    def create_sql(self) -> str:
        cols = [f"estate {KEY_TEXT} not null", *(f'"{c}" {t}' for c, t in self.columns)]
        if self.primary:
            cols.append("primary key (estate, " + ", ".join(f'"{c}"' for c in self.primary) + ")")
        lines = [f"create table {self.qualified} (\n    " + ",\n    ".join(cols) + "\n);"]
        lines += map(self.index_sql, range(len(self.indexes)))
        return "\n".join(lines)

    def index_sql(self, i: int) -> str:
        """The DDL of the table's index `i` (from 0), named `<table>_<i + 1>`."""
        return (f"create index {self.name}_{i + 1} on {self.qualified} (estate, "
                + ", ".join(f'"{c}"' for c in self.indexes[i]) + ");")


def _register(sheet: schema.Sheet) -> Table:
    """A register as a table: `row_no` (the row in its sheet, for messages), then every column typed.

    Its key is the sheet's declared one when every key column is required (账单号, 收据号, 房号 of 业主档案,
    房号+表计+账期 …): `check` refuses a duplicate or a blank one, so the key holds. Registers without such
    a key (过户记录, 催缴记录, 收费标准, 通知记录) are indexed on (estate, row_no) instead — row numbers
    restart in a continuation sheet, so they are not a key."""
    cols = (("row_no", "integer not null"), *((c.key, SQL_TYPES[c.kind]) for c in sheet.columns))
    keyed = bool(sheet.primary) and all(sheet.column(k).required for k in sheet.primary)
    if keyed:
        cols = tuple((c, t + " not null" if c in sheet.primary else t) for c, t in cols)
    return Table(sheet.key, cols, sheet.primary if keyed else (), () if keyed else (("row_no",),), sheet)


REGISTERS_3: tuple[Table, ...] = tuple(_register(s) for s in schema.SHEETS if s.key not in ("estate", "journal"))
SETTINGS_3 = Table("settings", (("key", KEY_TEXT + " not null"), ("value", "text")), ("key",))

# Derived tables: what the workbook commands compute from the registers, filled by publish (`facts.py`)
# so that the group's SQL never re-parses a cell.
BILL_FACTS_1 = Table("bill_facts", (
    ("bill_id", KEY_TEXT + " not null"), ("unit_id", KEY_TEXT), ("building", "text"), ("period", KEY_TEXT),
    ("item", "text"),
    ("amount", "numeric(14,2)"), ("paid", "numeric(14,2)"), ("waived", "numeric(14,2)"), ("due", "date"),
), ("bill_id",), (("period",),))
# Migration 2 adds what the arrears report needs of a bill: whether its 状态 is 减免 (such a bill is left
# out of the arrears whatever was paid on it) and the day of the 过户 whose seller it stays with (a former
# owner is a debtor of their own: `ops.units.former_owner`); null = the present owner.
BILL_FACTS_3 = replace(BILL_FACTS_1, columns=(*BILL_FACTS_1.columns, ("waived_bill", "boolean"), ("former_on", "date")))
PAYMENT_PARTS_1 = Table("payment_parts", (
    ("receipt_no", KEY_TEXT + " not null"), ("part_no", "integer not null"), ("unit_id", KEY_TEXT),
    ("paid_on", "date"), ("voided", "boolean"), ("void_day", "date"), ("method", "text"), ("target", KEY_TEXT),
    ("amount", "numeric(14,2)"), ("payment", "numeric(14,2)"),
), ("receipt_no", "part_no"), (("target",),))  # part_no: the part's place in its payment's 分配, from 1

# Migration 2 adds the 账期 and due day of the bill a part names (null: 预存, a blank 分配, no such bill):
# the group figures pick the payments into the bills of a period, or overdue on a day, by them.
PAYMENT_PARTS_2 = replace(PAYMENT_PARTS_1, columns=(*PAYMENT_PARTS_1.columns, ("target_period", KEY_TEXT),
                                                    ("target_due", "date")))
# Migration 3 adds the rest of what the figures read of that bill (null unless it is one of bill_facts):
# its unit, 过户 day, 金额, 已收 now and whether it is waived — a bill paid in full now that a later payment
# changed is then known from its payments alone, never looked up per part.
PAYMENT_PARTS_3 = replace(PAYMENT_PARTS_2, columns=(*PAYMENT_PARTS_2.columns, ("target_unit", KEY_TEXT),
                                                  ("target_former_on", "date"), ("target_amount", "numeric(14,2)"),
                                                  ("target_paid", "numeric(14,2)"), ("target_waived_bill", "boolean")))


# Migration 3: sums of an estate's bill_facts, made by publish in SQL (`facts.SUMS`) — what the group figures
# would otherwise add up over every bill of every estate at each query:
# - period_sums: per 账期, 应收 after 减免, 减免, 已收 now, the households billed and those paid up now;
# - unit_periods: per 账期, the households owing now and how many of their bills (应收 > 0) they owe;
# - open_dues: the bills owing now (金额 > 已收, not waived) per 账期, due day, unit and former owner (过户
#   day): what they owe and how many — the arrears on any day, but for the bills a later payment changed.
PERIOD_SUMS = Table("period_sums", (
    ("period", KEY_TEXT + " not null"), ("billed", "numeric"), ("waived", "numeric"), ("paid", "numeric"),
    ("households_billed", "bigint"), ("households_paid", "bigint")), ("period",))
UNIT_PERIODS = Table("unit_periods", (
    ("period", KEY_TEXT + " not null"), ("unit", KEY_TEXT + " not null"), ("owing", "bigint")), ("period", "unit"))
OPEN_DUES = Table("open_dues", (
    ("period", KEY_TEXT), ("due", "date"), ("unit", KEY_TEXT), ("former_on", "date"), ("owed", "numeric"),
    ("bills", "bigint")), (), (("due",),))
# - part_days: the payments not voided per day, by the 账期 of the bill each part names, whether it is 预存, and
#   whether that bill is one of bill_facts with some 已收 now: what was received or prepaid between two days.
PART_DAYS = Table("part_days", (
    ("target_period", KEY_TEXT), ("prepaid", "boolean"), ("billed", "boolean"), ("paid_on", "date"),
    ("amount", "numeric")), (), (("paid_on",),))
SUMS: tuple[Table, ...] = (PERIOD_SUMS, UNIT_PERIODS, OPEN_DUES, PART_DAYS)  # each filled by the SQL of facts.SUMS

# Migration 4: every table publish COPYs holds, in its last column, the block of the COPY text each row was
# sent in (publish sends a table CHUNK rows a block, numbered from 1): a publish then sends and merges only
# the blocks that differ from those the estate's last publish sent (`loader.py`), and the estate's rows of
# the others stay as they are — the nightly publish after a day's payments writes the few blocks of bills
# the day paid and the last of the payments, not every row of four tables.
BLOCK = "blk"


def _blocked(table: Table) -> Table:
    return replace(table, columns=(*table.columns, (BLOCK, "integer")), indexes=(*table.indexes, (BLOCK,)))


REGISTERS: tuple[Table, ...] = tuple(map(_blocked, REGISTERS_3))
SETTINGS = _blocked(SETTINGS_3)
BILL_FACTS, PAYMENT_PARTS = _blocked(BILL_FACTS_3), _blocked(PAYMENT_PARTS_3)
DERIVED: tuple[Table, ...] = (BILL_FACTS, PAYMENT_PARTS)  # made by facts.BillFacts and facts.Parts

ESTATES_SQL = f"""create table {SCHEMA}.estates (
    estate text collate "C" primary key,
    workbook text not null,
    workbook_key text not null,
    published_at timestamptz not null,
    rows jsonb not null
);"""
ACCESS_SQL = f"""create table {SCHEMA}.access (
    role text not null,
    estate text,
    unique nulls not distinct (role, estate)
);
comment on table {SCHEMA}.access is 'who may see what: (role, estate) a clerk''s own estate, read and write; (role, null) head office, read only';"""

# -- row-level security ------------------------------------------------------------------------------
# One rule for every table, written in SQL against propcli.access (`propcli db grant` fills it): the
# estates a role may write are those granted to it or to a role it belongs to; head office (estate null)
# reads every estate and writes none. The sub-selects are uncorrelated: PostgreSQL runs them once per query.
_MINE = (f"estate = any (array(select a.estate from {SCHEMA}.access a join pg_roles r on r.rolname = a.role "
         f"where a.estate is not null and pg_has_role(r.oid, 'member')))")
_OFFICE = (f"exists (select 1 from {SCHEMA}.access a join pg_roles r on r.rolname = a.role "
           f"where a.estate is null and pg_has_role(r.oid, 'member'))")


def security_sql(table: str) -> str:
    """Row-level security on `estate` for one table (a migration that adds a table calls it too). The
    privileges go to PUBLIC: what a role may touch is decided by the policies alone, row by row; the
    owner (the role that ran `db upgrade`) is not subject to them and administers."""
    q = f"{SCHEMA}.{table}"
    return "\n".join((
        f"alter table {q} enable row level security;",
        f"create policy read_rows on {q} for select using ({_MINE} or {_OFFICE});",
        f"create policy insert_rows on {q} for insert with check ({_MINE});",
        f"create policy update_rows on {q} for update using ({_MINE}) with check ({_MINE});",
        f"create policy delete_rows on {q} for delete using ({_MINE});",
        f"grant select, insert, update, delete on {q} to public;",
    ))


# -- migrations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: Callable[[], str]


def _first() -> str:
    tables = (*REGISTERS_3, SETTINGS_3, BILL_FACTS_1, PAYMENT_PARTS_1)  # migration 1's, whatever later ones add
    parts = [
        ESTATES_SQL, ACCESS_SQL,
        f"grant select on {SCHEMA}.access to public;",
        f"grant usage on schema {SCHEMA} to public;",
        security_sql("estates"),
    ]
    for t in tables:
        parts += [t.create_sql(), security_sql(t.name)]
    return "\n\n".join(parts)


# what the group figures read of a payment part received after a day (held by the indexes on paid_on)
RECENT_2 = "estate, target, target_period, target_due, paid_on, voided, void_day, amount"


def _second() -> str:
    """The group figures (`propcli.db.figures`): the bill facts the arrears need, the bill each payment part
    names (its 账期 and due day), the overdue month of a debt as SQL, and the indexes the queries over
    every estate use (timed in bench/group.py):
    - bill_facts_open: the bills not paid in full now (金额 ≠ 已收, not waived), the few the arrears and
      期初欠费 start from (with those a later payment changed), holding what is read of them: an index-only
      scan instead of a pass over every bill; the statistics on 金额 ≠ 已收 tell the planner how few;
    - payment_parts_paid_on: the payments after a day, over every estate at once (they make a bill's 已收
      on a past day differ from today's) — by day first, unlike the others: the query spans all estates —
      holding what the figures read of them (index-only);
    - payment_parts_voided: the voided receipts, the other such payments, likewise."""
    added = [(new, c, t) for old, new in ((BILL_FACTS_1, BILL_FACTS_3), (PAYMENT_PARTS_1, PAYMENT_PARTS_2))
             for c, t in new.columns[len(old.columns):]]
    return "\n".join((
        *(f'alter table {table.qualified} add column "{c}" {t};' for table, c, t in added),
        f"create index bill_facts_open on {BILL_FACTS.qualified} (estate, due) include (bill_id, unit_id, former_on, "
        f"period, amount, paid) where amount <> paid and not waived_bill;",
        f"create statistics {SCHEMA}.bill_facts_open_share on ((amount <> paid)) from {BILL_FACTS.qualified};",
        f"create index payment_parts_paid_on on {PAYMENT_PARTS.qualified} (paid_on) include ({RECENT_2});",
        f"create index payment_parts_voided on {PAYMENT_PARTS.qualified} (paid_on) include ({RECENT_2}) where voided;",
        MONTHS_OVERDUE_SQL,
    ))


# what the group figures read of a payment part received after a day (held by the indexes on paid_on), and
# (migration 3) of the bill it names
RECENT = (f"{RECENT_2}, " + ", ".join(c for c, _ in PAYMENT_PARTS_3.columns[len(PAYMENT_PARTS_2.columns):]))


def _third() -> str:
    """The group figures from sums and the payments after a day: the sums of each estate's bills publish
    makes (SUMS), and each payment part carrying what the figures read of the bill it names (its unit, 过户
    day, 金额, 已收 now, waived) — held by the indexes on paid_on — so that the bills a payment after a day
    changed are known from the parts' index alone, never looked up one by one."""
    added = PAYMENT_PARTS_3.columns[len(PAYMENT_PARTS_2.columns):]
    return "\n\n".join((
        *(f"{t.create_sql()}\n{security_sql(t.name)}" for t in SUMS),
        *(f'alter table {PAYMENT_PARTS.qualified} add column "{c}" {t};' for c, t in added),
        f"drop index {SCHEMA}.payment_parts_paid_on;",
        f"drop index {SCHEMA}.payment_parts_voided;",
        f"create index payment_parts_paid_on on {PAYMENT_PARTS.qualified} (paid_on) include ({RECENT});",
        f"create index payment_parts_voided on {PAYMENT_PARTS.qualified} (paid_on) include ({RECENT}) where voided;",
    ))


# `domain.arrears.months_overdue` in SQL: 0 while not overdue, else the smallest n ≥ 1 with due + n months
# (clamped to the month's end, as add_months does) on or after the day — the difference of the months, plus
# one when the due day (or the month's last day, if shorter) of the day's month is before the day. One
# expression without FROM, so that PostgreSQL inlines it into a query over half a million debts.
# tests/test_group.py checks it against the Python rule over every third day of four years and month ends.
MONTHS_OVERDUE_SQL = f"""create function {SCHEMA}.months_overdue(due date, as_of date) returns integer
language sql immutable parallel safe as $$
    select case when as_of <= due then 0
                else (extract(year from as_of)::integer - extract(year from due)::integer) * 12
                     + extract(month from as_of)::integer - extract(month from due)::integer
                     + (extract(day from as_of)::integer > least(extract(day from due)::integer, extract(day from
                         ((as_of - extract(day from as_of)::integer + 1) + interval '1 month')::date - 1)::integer))::integer
           end
$$;
grant execute on function {SCHEMA}.months_overdue(date, date) to public;"""


def _fourth() -> str:
    """The block each row was sent in (BLOCK), and an index on it: a publish reads and replaces the rows
    of the blocks that differ. The rows published before have none: the next publish of their estate
    sends every block (the digests it kept are of a text without the column) and replaces them all."""
    blocked = (*REGISTERS, SETTINGS, *DERIVED)
    return "\n".join(f'alter table {t.qualified} add column "{BLOCK}" integer;\n{t.index_sql(len(t.indexes) - 1)}'
                      for t in blocked)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "registers, settings, bill_facts, payment_parts, estates, access; row-level security", _first),
    Migration(2, "group figures: bill_facts waived_bill and former_on, months_overdue(), indexes for the "
                 "queries over every estate", _second),
    Migration(3, "group figures from sums: period_sums, unit_periods, open_dues, part_days; payment_parts carry the "
                 "unit, 过户 day, 金额, 已收 and waiver of the bill they name", _third),
    Migration(4, "blk: the block of COPY text each published row was sent in (a publish sends only the blocks "
                 "that changed)", _fourth),
)
LATEST = MIGRATIONS[-1].version

VERSION_SQL = f"""create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.schema_version (
    version integer primary key,
    description text not null,
    applied_at timestamptz not null default now()
);
grant usage on schema {SCHEMA} to public;
grant select on {SCHEMA}.schema_version to public;"""


def script(from_version: int = 0) -> str:
    """The SQL that brings a database at `from_version` to LATEST, in one transaction (what `db upgrade
    --sql` prints for a DBA to read or run with psql)."""
    parts = ["begin;", VERSION_SQL]
    for m in MIGRATIONS:
        if m.version > from_version:
            parts += [f"-- migration {m.version}: {m.description}", m.sql(),
                      f"insert into {SCHEMA}.schema_version (version, description) values "
                      f"({m.version}, '{m.description}');"]
    parts.append("commit;")
    return "\n\n".join(parts) + "\n"


def by_name() -> dict[str, Table]:
    """Every data table by name (registers, settings, derived): publish replaces an estate's rows in each."""
    return {t.name: t for t in (*REGISTERS, SETTINGS, *DERIVED, *SUMS)}
