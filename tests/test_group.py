"""`propcli group stats|arrears` against a real PostgreSQL (tests/pgserver.py): every estate's figures equal
`stats monthly` / `arrears report` on its own workbook to the cent, and the company's row is the SQL over
all estates — checked by hand on two small estates:

东区 is the hand-built estate of tests/test_stats.py (its worked example, March 2025 as of 2025-04-20:
应收 940.00, 实收 540.00, 5 households of which 3 paid up, 期初欠费 450.00 of which 300.00 recovered,
预收 100.00, 预存 350.00, owed on 03-31 450.00 by 2 debtors: 孙七's February remainder 150.00 and the
former owner 赵六's January and February, 300.00).

西区 (物业费 2.00 元/㎡·月, due the 15th of the next month), built below:

| unit          | ㎡  | a month | what happens                                                                  |
|---------------|-----|---------|-------------------------------------------------------------------------------|
| X 1-1-101     | 100 | 200.00  | 2025-03-10 pays 600.00: January, February and March (oldest first)           |
| Y 1-1-102     |  50 | 100.00  | 2025-03-20 pays 100.00: January                                              |

西区, March 2025 as of 2025-04-20: 应收 200 + 100 = 300.00, 实收 200.00 (X) → 收费率 0.6667; households 2,
paid up 1 (X) → 0.5000; overdue on 03-01 (due before it): the January bills, X 200 + Y 100 = 300.00, both
paid in March → 清缴率 1.0000; nothing prepaid. Owed on 03-31: Y's February 100.00 (due 03-15: its 1st
overdue month) → 1 debtor.

The company, March 2025 as of 2025-04-20: 应收 940 + 300 = 1240.00, 实收 540 + 200 = 740.00 → 收费率
740 / 1240 = 0.596774… = 0.5968 (not the mean of 0.5745 and 0.6667); households 5 + 2 = 7, paid up 3 + 1
= 4 → 0.5714; 期初欠费 450 + 300 = 750.00, recovered 300 + 300 = 600.00 → 0.8000; 减免 60.00; 预收
100.00, 预存 350.00; owed on 03-31 450 + 100 = 550.00 by 3 debtors, all in the 1–3 bucket.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import psycopg
import pytest

from propcli.db import figures, tables
from propcli.domain.arrears import months_overdue
from propcli.reports.stats import AGE_COLUMNS, END_COLUMNS, FEE_COLUMNS
from tests.conftest import SAMPLE, Cli, fresh_copy, pinned
from tests.fixtures.ledger import build, owner, rate
from tests.test_db_roles import roles  # noqa: F401  (three login roles: two clerks, head office)
from tests.test_stats import _stats_master  # noqa: F401  (the hand-built estate, 东区)

STATS_KEYS = [c.key for c in (*FEE_COLUMNS, *END_COLUMNS)]
AGE_KEYS = [c.key for c in AGE_COLUMNS]
_NAMES = iter(range(1, 1000))


def _west(path: Path) -> Path:
    """西区 (see the module's docstring)."""
    cli = Cli()
    build(path, owners=[owner("1-1-101", "100", name="钱一"), owner("1-1-102", "50", name="孙二")],
          rates=[rate("物业费", "按面积", "2.00")])
    for args in (("billing", "run", "--period", "2025-01"), ("billing", "run", "--period", "2025-02"),
                 ("billing", "run", "--period", "2025-03"),
                 ("payments", "record", "1-1-101", "--amount", "600", "--method", "微信", "--date", "2025-03-10"),
                 ("payments", "record", "1-1-102", "--amount", "100", "--method", "现金", "--date", "2025-03-20")):
        result = cli("-w", path, *args)
        assert result.exit_code == 0, result.output
    return path


def _database(server, estates: dict[str, Path]) -> str:  # type: ignore[no-untyped-def]
    """A fresh database at the latest migration with these workbooks published under these names."""
    url = server.create_database(f"g{__import__('os').getpid()}_{next(_NAMES)}")
    with pinned(), pytest.MonkeyPatch.context() as mp:
        for key, value in server.env().items():
            mp.setenv(key, value)
        mp.setenv("PROPCLI_DB", url)
        cli = Cli()
        assert cli("db", "upgrade").exit_code == 0
        for name, path in estates.items():
            result = cli("-w", path, "publish", "--estate", name)
            assert result.exit_code == 0, result.output
    return url


@pytest.fixture(scope="module")
def hand(pg_server, _stats_master, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("group-hand")
    with pinned():
        books = {"东区": fresh_copy(_stats_master, folder / "east.xlsx"), "西区": _west(folder / "west.xlsx")}
    return _database(pg_server, books), books


@pytest.fixture(scope="module")
def samples(pg_server, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The sample estate published twice, under two names (two copies of the file: two workbooks)."""
    folder = tmp_path_factory.mktemp("group-samples")
    books = {name: fresh_copy(SAMPLE, folder / f"{n}.xlsx") for n, name in enumerate(("阳光花园", "翠湖苑"))}
    return _database(pg_server, books), books


def _use(server, url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PROPCLI_DB", url)


def _json(cli, *args: str | Path) -> dict:  # type: ignore[no-untyped-def]
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _by_estate(data: dict) -> dict[str, dict]:
    return {row["estate"]: row for row in data["estates"]}


# -- the hand-built estates ------------------------------------------------------------------------------


def test_hand_estates_and_the_company_by_hand(hand, pg_server, cli, monkeypatch) -> None:
    url, books = hand
    _use(pg_server, url, monkeypatch)
    data = _json(cli, "group", "stats", "--period", "2025-03", "--as-of", "2025-04-20")
    assert (data["report"], data["period"], data["as_of"]) == ("group.stats", "2025-03", "2025-04-20")
    east, west = _by_estate(data)["东区"], _by_estate(data)["西区"]
    got = lambda row, *keys: tuple(row[k] for k in keys)  # noqa: E731
    fees = ("billed", "waived", "collected", "collection_rate", "households_billed", "households_paid",
            "household_rate", "arrears_at_start", "arrears_recovered", "recovery_rate", "prepaid_received",
            "prepaid_balance", "arrears_at_end", "debtors_at_end")
    # 东区: tests/test_stats.py's worked example
    assert got(east, *fees) == ("940.00", "60.00", "540.00", "0.5745", 5, 3, "0.6000", "450.00", "300.00", "0.6667",
                                "100.00", "350.00", "450.00", 2)
    # 西区: the module's docstring
    assert got(west, *fees) == ("300.00", "0.00", "200.00", "0.6667", 2, 1, "0.5000", "300.00", "300.00", "1.0000",
                                "0.00", "0.00", "100.00", 1)
    # the company: sums, its rates recomputed from them (740/1240, 4/7, 600/750)
    assert got(data["total"], *fees) == ("1240.00", "60.00", "740.00", "0.5968", 7, 4, "0.5714", "750.00", "600.00",
                                         "0.8000", "100.00", "350.00", "550.00", 3)
    assert data["total"]["m1_3"] == "550.00" and data["total"]["m4_6"] == "0.00"
    assert data["total"]["target"] is None and east["target"] == "0.9500"
    # and each estate as its own workbook says it, key for key
    for name, path in books.items():
        mine = _json(cli, "-w", path, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20")
        row = _by_estate(data)[name]
        assert {k: row[k] for k in STATS_KEYS} == {k: mine[k] for k in STATS_KEYS}, name
        assert {k: row[k] for k in AGE_KEYS} == {k: mine["ageing"]["total"][k] for k in AGE_KEYS}, name


def test_hand_arrears_by_hand(hand, pg_server, cli, monkeypatch) -> None:
    url, books = hand
    _use(pg_server, url, monkeypatch)
    data = _json(cli, "group", "arrears", "--as-of", "2025-04-20")
    east, west = _by_estate(data)["东区"], _by_estate(data)["西区"]
    # 东区 on 04-20: 孙七 February 150 + March 300 (due 04-15), 赵六 (former owner) January + February 300,
    # 李四's March 100 (the last 100 came 04-25); 周五's waived March bill is left out → 850.00, 3 debtors,
    # 5 bills, the oldest (January, due 02-15) in its 3rd month: all 1–3
    assert (east["debtors"], east["bills"], east["total"], east["m1_3"]) == (3, 5, "850.00", "850.00")
    # 西区: Y's February (due 03-15: 2nd month) and March (due 04-15: 1st month) → 200.00, 1 debtor, 2 bills
    assert (west["debtors"], west["bills"], west["total"], west["m1_3"]) == (1, 2, "200.00", "200.00")
    assert (data["total"]["debtors"], data["total"]["bills"], data["total"]["total"]) == (4, 7, "1050.00")
    for name, path in books.items():
        mine = _json(cli, "-w", path, "arrears", "report", "--as-of", "2025-04-20")
        _same_arrears(_by_estate(data)[name], mine)


@pytest.mark.parametrize("as_of", ["2025-03-28", "2025-03-31", "2025-05-31"])
def test_hand_estates_on_other_days_equal_their_workbooks(hand, pg_server, cli, monkeypatch, as_of) -> None:
    """The figures are the sums made at publish, less the bills a payment after the day changed as they
    are now, plus those bills as they were on the day: on 03-28 C's 100 to March was not voided yet (and
    counts: 实收 640.00, tests/test_stats.py), on 03-31 the payments of April are all after the day, on 05-31
    none is — each estate equals its own workbook, key for key."""
    url, books = hand
    _use(pg_server, url, monkeypatch)
    data = _json(cli, "group", "stats", "--period", "2025-03", "--as-of", as_of)
    owed = _json(cli, "group", "arrears", "--as-of", as_of)
    if as_of == "2025-03-28":
        assert _by_estate(data)["东区"]["collected"] == "640.00"
    for name, path in books.items():
        mine = _json(cli, "-w", path, "stats", "monthly", "--period", "2025-03", "--as-of", as_of)
        row = _by_estate(data)[name]
        assert {k: row[k] for k in STATS_KEYS} == {k: mine[k] for k in STATS_KEYS}, name
        assert {k: row[k] for k in AGE_KEYS} == {k: mine["ageing"]["total"][k] for k in AGE_KEYS}, name
        _same_arrears(_by_estate(owed)[name], _json(cli, "-w", path, "arrears", "report", "--as-of", as_of))


def _same_arrears(row: dict, report: dict) -> None:
    """An estate's group arrears row against its `arrears report` JSON: total, debtors, and per bucket the
    bills and the amount (按账龄)."""
    assert (row["total"], row["debtors"]) == (report["by_building"]["total"]["total"], report["by_building"]["total"]["debtors"])
    assert row["bills"] == report["by_age"]["total"]["bills"]
    for age, key in zip(report["by_age"]["rows"], AGE_KEYS):
        assert (row[key], row["n_" + key]) == (age["total"], age["bills"]), key


# -- the sample estate, twice ----------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "as_of"), [("2026-10", "2026-11-23"), ("2026-09", "2026-10-08"),
                                               ("2026-04", "2026-05-20")])  # half a year back
def test_each_sample_estate_equals_its_workbook(samples, pg_server, cli, monkeypatch, period, as_of) -> None:
    url, books = samples
    _use(pg_server, url, monkeypatch)
    data = _json(cli, "group", "stats", "--period", period, "--as-of", as_of)
    mine = _json(cli, "-w", next(iter(books.values())), "stats", "monthly", "--period", period, "--as-of", as_of)
    assert set(_by_estate(data)) == set(books)
    for row in data["estates"]:
        assert {k: row[k] for k in STATS_KEYS} == {k: mine[k] for k in STATS_KEYS}
        assert {k: row[k] for k in AGE_KEYS} == {k: mine["ageing"]["total"][k] for k in AGE_KEYS}
    # the company holds the same estate twice: every amount and count doubled, the rates the estate's
    total = data["total"]
    for c in (*FEE_COLUMNS, *END_COLUMNS, *AGE_COLUMNS):
        if c.kind.value == "money":
            assert D(total[c.key]) == 2 * D(mine[c.key] if c.key in mine else mine["ageing"]["total"][c.key]), c.key
        elif c.kind.value == "count":
            assert total[c.key] == 2 * mine[c.key], c.key
        elif c.key != "target":
            assert total[c.key] == mine[c.key], c.key


@pytest.mark.parametrize("as_of", ["2026-11-23", "2025-12-31"])
def test_each_sample_estate_owes_what_its_arrears_report_says(samples, pg_server, cli, monkeypatch, as_of) -> None:
    url, books = samples
    _use(pg_server, url, monkeypatch)
    data = _json(cli, "group", "arrears", "--as-of", as_of)
    mine = _json(cli, "-w", next(iter(books.values())), "arrears", "report", "--as-of", as_of)
    for row in data["estates"]:
        _same_arrears(row, mine)
    assert D(data["total"]["total"]) == 2 * D(mine["by_building"]["total"]["total"])
    assert data["total"]["debtors"] == 2 * mine["by_building"]["total"]["debtors"]


def test_formats_chart_and_no_personal_data(samples, pg_server, cli, monkeypatch, tmp_path) -> None:
    from openpyxl import load_workbook

    from propcli.store import schema
    from propcli.store.workbook import Workbook

    url, books = samples
    _use(pg_server, url, monkeypatch)
    asked = ("group", "stats", "--period", "2026-10", "--as-of", "2026-11-23")
    for out in ("g.xlsx", "g.html", "g.csv"):
        result = cli(*asked, "-o", tmp_path / out)
        assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "g.xlsx")["各小区"]
    assert [c.value for c in sheet[1]][:5] == ["小区", "应收", "减免", "实收", "收费率"]
    assert len(sheet._charts) == 1  # the native chart of 收费率 by estate
    assert sheet.cell(4, 1).value == "合计" and sheet.cell(4, 4).value == pytest.approx(338339.18)
    html = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert "<svg" in html and "各小区收费率" in html
    csv = (tmp_path / "g.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].startswith("小区,应收,减免,实收,收费率") and csv[-1].startswith("合计,457411.78,")
    table = cli(*asked).stdout + cli("group", "arrears", "--as-of", "2026-11-23").stdout
    # no one's phone or ID number in any group output (the figures carry none)
    with Workbook(next(iter(books.values()))) as wb:
        people = [str(r.values[k]) for r in wb.read(schema.OWNERS).rows for k in ("phone", "id_no") if r.values.get(k)]
    everything = html + "\n".join(csv) + table + json.dumps(_json(cli, *asked), ensure_ascii=False)
    assert people and not [p for p in people if p in everything]


# -- the SQL's overdue month is the Python rule ----------------------------------------------------------


def test_months_overdue_in_sql_is_the_python_rule(samples, pg_server) -> None:
    url, _ = samples
    start = dt.date(2023, 1, 1)
    # every 3rd day of four years, and every day from the 28th to the month's end (where months clamp)
    dues = [start + dt.timedelta(days=k) for k in range(0, 4 * 366, 3)] + [
        dt.date(y, m, d) for y in (2023, 2024) for m in range(1, 13) for d in range(28, calendar.monthrange(y, m)[1] + 1)]
    pairs = [(due, due + dt.timedelta(days=k)) for due in dues for k in (-1, 0, 1, 27, 28, 29, 30, 31, 59, 61, 365, 800)]
    with psycopg.connect(url, **_pass(pg_server)) as conn:
        got = conn.execute(f"select {tables.SCHEMA}.months_overdue(d, a) from unnest(%s::date[], %s::date[]) as t(d, a)",
                           ([p[0] for p in pairs], [p[1] for p in pairs])).fetchall()
    assert [g[0] for g in got] == [months_overdue(d, a) for d, a in pairs]


def _pass(server) -> dict:  # type: ignore[no-untyped-def]
    return {"passfile": server.env()["PGPASSFILE"]}


# -- bad input and faults ------------------------------------------------------------------------------------


def test_bad_input_before_any_database(cli) -> None:
    result = cli("group", "stats", "--period", "2026-13")
    assert result.exit_code == 1 and "--period" in result.output
    result = cli("group", "stats", "--period", "2026-10", "--as-of", "2026-09-30")
    assert result.exit_code == 1 and "2026-10-01" in result.output
    result = cli("group", "stats", "--period", "2026-10", "-o", "x.pdf")
    assert result.exit_code == 2
    result = cli("group", "arrears", "--as-of", "2026-11-23")  # no PROPCLI_DB, no propcli.toml
    assert result.exit_code == 2 and "PROPCLI_DB" in result.output


def test_older_migration_empty_database_and_stale_estates(pg, cli, sample) -> None:
    # a database at migration 2 (before the payment parts carried their bill): refused, saying what to run
    with psycopg.connect(pg.db_url) as conn:
        conn.execute(tables.VERSION_SQL)
        for m in tables.MIGRATIONS[:2]:
            conn.execute(m.sql())
            conn.execute(f"insert into {tables.SCHEMA}.schema_version (version, description) values (%s, 'old')",
                         (m.version,))
    result = cli("group", "stats", "--period", "2026-10", "--as-of", "2026-11-23")
    assert result.exit_code == 1 and "第 2 版" in result.output and "propcli db upgrade" in result.output
    assert cli("db", "upgrade").exit_code == 0  # 2 → 3
    with psycopg.connect(pg.db_url) as conn:
        assert conn.execute(f"select max(version) from {tables.SCHEMA}.schema_version").fetchone()[0] == tables.LATEST
        assert conn.execute(f"select count(*) from information_schema.columns where table_schema = '{tables.SCHEMA}' "
                            "and table_name = 'payment_parts' and column_name = 'target_paid'").fetchone()[0] == 1
    # nothing published yet: said, exit 0
    result = cli("group", "arrears", "--as-of", "2026-11-23")
    assert result.exit_code == 0 and "还没有发布任何小区" in result.output
    # an estate published before the upgrade that added what the figures read is left out, and said
    assert cli("-w", sample, "publish", "--estate", "阳光花园").exit_code == 0
    with psycopg.connect(pg.db_url) as conn:
        conn.execute(f"update {tables.SCHEMA}.schema_version set applied_at = now() + interval '1 hour' "
                     f"where version = {figures.FACTS_SINCE}")
    result = cli("group", "stats", "--period", "2026-10", "--as-of", "2026-11-23")
    assert result.exit_code == 0 and "阳光花园" in result.output and "重新发布" in result.output
    assert "457411" not in result.output and "228705.89" not in result.stdout


# -- who may see what: row-level security decides which estates a role's figures cover ----------------------


def test_head_office_sees_every_estate_a_clerk_only_its_own(roles, cli, sample: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "b" / "二期.xlsx"
    other.parent.mkdir()
    fresh_copy(sample, other)
    for role, path, name in (("clerk_a", sample, "阳光花园"), ("clerk_b", other, "二期")):
        monkeypatch.setenv("PROPCLI_DB", roles.url(roles.db_name, user=role))
        assert cli("-w", path, "publish", "--estate", name).exit_code == 0
    asked = ("group", "arrears", "--as-of", "2026-11-23")
    monkeypatch.setenv("PROPCLI_DB", roles.url(roles.db_name, user="office"))
    office = _json(cli, *asked)
    assert [e["estate"] for e in office["estates"]] == ["二期", "阳光花园"]
    monkeypatch.setenv("PROPCLI_DB", roles.url(roles.db_name, user="clerk_a"))
    mine = _json(cli, *asked)
    assert [e["estate"] for e in mine["estates"]] == ["阳光花园"]
    # the clerk's company row is what the clerk may see: their own estate
    assert mine["total"]["total"] == mine["estates"][0]["total"] and D(office["total"]["total"]) == 2 * D(mine["total"]["total"])
