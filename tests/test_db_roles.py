"""Who may see what, against a real PostgreSQL: each clerk's role logs in with its own password (from the
.pgpass file, over TCP), publishes and reads its own estate only; the head office's role reads every estate
and writes none. Row-level security does it, set up by `propcli db grant`."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pgerrors

from propcli.db import tables


def _as(pg, role: str) -> str:  # type: ignore[no-untyped-def]
    return pg.url(pg.db_name, user=role)


@pytest.fixture
def roles(pg, cli):  # type: ignore[no-untyped-def]
    """Three login roles with passwords; the sample estate's clerk, another estate's clerk, head office."""
    assert cli("db", "upgrade").exit_code == 0
    with psycopg.connect(pg.db_url, autocommit=True) as conn:
        for role in ("clerk_a", "clerk_b", "office"):
            conn.execute(f"drop role if exists {role}")  # roles are per server: left by another test module
            conn.execute(f"create role {role} login password 'pw-{role}'")
            pg.add_password(role, f"pw-{role}")
    for args in (("--clerk", "clerk_a", "--estate", "阳光花园"), ("--clerk", "clerk_b", "--estate", "二期"),
                 ("--head-office", "office")):
        result = cli("db", "grant", *args)
        assert result.exit_code == 0, result.output
    yield pg
    with psycopg.connect(pg.db_url, autocommit=True) as conn:
        conn.execute(f"delete from {tables.SCHEMA}.access")
        for role in ("clerk_a", "clerk_b", "office"):
            conn.execute(f"drop owned by {role}")
            conn.execute(f"drop role {role}")


def _count(url: str, table: str = "bills") -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select estate, count(*) from propcli.{table} group by estate order by estate").fetchall()


def test_each_clerk_publishes_and_sees_only_its_own_estate(roles, cli, sample: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "b" / "二期.xlsx"
    other.parent.mkdir()
    shutil.copyfile(sample, other)
    monkeypatch.setenv("PROPCLI_DB", _as(roles, "clerk_a"))
    result = cli("-w", sample, "publish")
    assert result.exit_code == 0, result.output
    # clerk A may not publish (or overwrite) another estate
    result = cli("-w", other, "publish", "--estate", "二期")
    assert result.exit_code == 1
    assert "没有权限发布小区 二期" in result.output and "db grant" in result.output
    monkeypatch.setenv("PROPCLI_DB", _as(roles, "clerk_b"))
    assert cli("-w", other, "publish", "--estate", "二期").exit_code == 0
    result = cli("-w", sample, "publish")  # clerk B cannot take 阳光花园 over, --replace or not
    assert result.exit_code == 1 and "没有权限" in result.output
    result = cli("-w", sample, "publish", "--replace")
    assert result.exit_code == 1
    n = _count(roles.db_url)[0][1]  # as the owner: both estates, complete
    assert _count(roles.db_url) == [("二期", n), ("阳光花园", n)]
    assert _count(_as(roles, "clerk_a")) == [("阳光花园", n)]
    assert _count(_as(roles, "clerk_b")) == [("二期", n)]
    assert _count(_as(roles, "clerk_b"), "payment_parts")[0][0] == "二期"
    with psycopg.connect(_as(roles, "clerk_b")) as conn:  # nor write into it by hand
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute("insert into propcli.settings (estate, key, value) values ('阳光花园', 'x', 'y')")
        conn.rollback()
        assert conn.execute("delete from propcli.bills where estate = '阳光花园'").rowcount == 0


def test_head_office_reads_every_estate_and_writes_none(roles, cli, sample: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("-w", sample, "publish").exit_code == 0  # by the owner
    assert cli("-w", sample, "publish", "--estate", "二期").exit_code == 0
    office = _as(roles, "office")
    everything = _count(roles.db_url)
    assert _count(office) == everything and len(everything) == 2
    with psycopg.connect(office) as conn:
        assert conn.execute("select count(*) from propcli.estates").fetchone() == (2,)
        with pytest.raises(pgerrors.InsufficientPrivilege):
            conn.execute("insert into propcli.bills (estate, row_no, bill_id) values ('阳光花园', 1, 'X1')")
        conn.rollback()
        assert conn.execute("delete from propcli.bills").rowcount == 0
        assert conn.execute("update propcli.bills set amount = 0").rowcount == 0
        conn.rollback()
    monkeypatch.setenv("PROPCLI_DB", office)
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1 and "没有权限" in result.output
    assert _count(roles.db_url) == everything


def test_grant_refuses_an_unknown_role_and_revoke_takes_access_away(roles, cli, sample: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("db", "grant", "--clerk", "nobody_here", "--estate", "阳光花园")
    assert result.exit_code == 1 and "没有角色 nobody_here" in result.output
    assert cli("db", "grant", "--clerk", "clerk_a").exit_code == 2  # a clerk needs its estate
    assert cli("db", "grant", "--clerk", "clerk_a", "--estate", "阳光花园", "--revoke").exit_code == 0
    monkeypatch.setenv("PROPCLI_DB", _as(roles, "clerk_a"))
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1 and "没有权限" in result.output


def test_a_clerks_nightly_publish_merges_under_row_level_security(roles, cli, sample: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A clerk's role cannot COPY into the tables: its publishes always merge, the blocks that differ only,
    and refresh in place what the parts carry of a bill that changed — the INSERT, DELETE and UPDATE the
    policies judge. The estate then holds what the tables' owner publishing the same workbook afresh makes."""
    from propcli.store import schema
    from propcli.store.workbook import Workbook
    from tests.test_db_publish import _bill_row, _everything

    monkeypatch.setenv("PROPCLI_DB", _as(roles, "clerk_a"))
    assert cli("-w", sample, "publish").exit_code == 0
    with Workbook(sample, write=True) as wb:
        bills = wb.read(schema.BILLS)
        bill = next(r.values["bill_id"] for r in bills.rows if r.values.get("paid"))  # one a payment names
        bills, row = _bill_row(wb, bill)
        amount = row.values["amount"] + 1
        wb.update(bills, row, {"amount": amount}, key=str(bill))
        wb.commit("test")
    assert cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "300", "--date", "2026-11-20").exit_code == 0
    result = cli("-w", sample, "publish")
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PROPCLI_DB", roles.db_url)
    fresh = tmp_path / "fresh" / "estate.xlsx"
    fresh.parent.mkdir()
    shutil.copyfile(sample, fresh)
    assert cli("-w", fresh, "publish", "--estate", "重来").exit_code == 0
    got, want = _everything(roles, "阳光花园", block=True), _everything(roles, "重来", block=True)
    names = tables.PAYMENT_PARTS.names[1:]
    carried = {p[names.index("target_amount")] for p in got["payment_parts"] if p[names.index("target")] == bill}
    assert carried == {amount}  # the parts naming the bill, their text unchanged: refreshed in place
    assert all(got[name] == rows for name, rows in want.items()), [n for n in want if got[n] != want[n]]
