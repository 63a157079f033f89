"""The group database's faults, against a real PostgreSQL: no configuration, a password where none may be,
an unreachable server, a wrong password, a database at an older migration, an estate name owned by another
workbook, a workbook that would publish wrong data, a reconciliation that fails, a publish killed half-way
and two publishes of one estate at once. Each: a clear message, its exit code, nothing half-written in the
database, the workbook untouched (SHA-256)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from propcli.db import publish as publish_module
from propcli.db import tables
from propcli.store.workbook import content_sha256

ROOT = Path(__file__).resolve().parents[1]


def _sql(url: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def _bills(pg) -> list[tuple]:  # type: ignore[no-untyped-def]
    return _sql(pg.db_url, "select estate, count(*), sum(amount) from propcli.bills group by estate order by estate")


@pytest.fixture
def published(pg, cli, sample: Path):  # type: ignore[no-untyped-def]
    """A database at the latest schema holding the sample estate once."""
    assert cli("db", "upgrade").exit_code == 0
    result = cli("-w", sample, "publish")
    assert result.exit_code == 0, result.output
    return pg


def test_without_a_database_propcli_works_and_db_commands_say_how_to_configure(cli, sample: Path) -> None:
    assert cli("-w", sample, "check").exit_code == 0  # nothing changed for a clerk without a database
    for args in (("db", "status"), ("db", "upgrade"), ("-w", str(sample), "publish")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "没有配置集团数据库" in result.output and "PROPCLI_DB" in result.output and "propcli.toml" in result.output


def test_db_upgrade_sql_prints_the_script_without_connecting(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPCLI_DB", "postgresql://nobody@127.0.0.1:1/none")
    result = cli("db", "upgrade", "--sql")
    assert result.exit_code == 0
    assert result.output.startswith("begin;") and result.output.rstrip().endswith("commit;")
    assert "create table propcli.bills" in result.output and "enable row level security" in result.output


@pytest.mark.parametrize("where", ["env", "toml"])
def test_a_password_in_the_url_or_the_toml_is_refused_and_never_shown(cli, sample: Path, where: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "S3cr3t-pw"
    if where == "env":
        monkeypatch.setenv("PROPCLI_DB", f"postgresql://clerk:{secret}@127.0.0.1:5432/group")
    else:
        (sample.parent / "propcli.toml").write_text(f'[db]\nurl = "postgresql://clerk@127.0.0.1/group"\npassword = "{secret}"\n')
    result = cli("-w", sample, "publish")
    assert result.exit_code == 2
    assert "密码" in result.output and ".pgpass" in result.output
    assert secret not in result.output


def test_propcli_toml_beside_the_workbook_configures_the_database(pg, cli, sample: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROPCLI_DB")
    (sample.parent / "propcli.toml").write_text(
        f'[db]\nhost = "127.0.0.1"\nport = {pg.port}\ndbname = "{pg.db_name}"\nuser = "postgres"\n')
    monkeypatch.chdir(sample.parent)
    assert cli("db", "upgrade").exit_code == 0
    result = cli("publish")
    assert result.exit_code == 0, result.output
    assert _bills(pg)[0][0] == "阳光花园"


def test_an_unreachable_server_is_named_exit_1(cli, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PROPCLI_DB", f"postgresql://clerk@127.0.0.1:{port}/group")
    before = content_sha256(sample)
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1
    assert f"连不上集团数据库" in result.output and f"clerk@127.0.0.1:{port}/group" in result.output
    assert content_sha256(sample) == before


def test_a_wrong_password_is_refused_and_not_shown(pg, cli, sample: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "pgpass"
    wrong.write_text(f"127.0.0.1:{pg.port}:*:postgres:not-the-password\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(wrong))
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1
    assert "拒绝了密码" in result.output and "not-the-password" not in result.output
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1 and "要求密码" in result.output


def test_a_database_at_an_older_migration_says_run_db_upgrade(pg, cli, sample: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("-w", sample, "publish")  # no schema at all: version 0
    assert result.exit_code == 1 and "第 0 版" in result.output and "propcli db upgrade" in result.output
    assert cli("db", "upgrade").exit_code == 0
    # this propcli now needs a migration 2 the database does not have yet
    monkeypatch.setattr(tables, "LATEST", tables.LATEST + 1)
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1
    assert f"第 {tables.LATEST - 1} 版" in result.output and "propcli db upgrade" in result.output
    assert _sql(pg.db_url, "select count(*) from propcli.bills") == [(0,)]


def test_an_estate_name_owned_by_another_workbook_is_refused(published, cli, sample: Path, tmp_path: Path) -> None:
    other = tmp_path / "another" / "二期台账.xlsx"  # another estate's workbook that kept the same 小区名称
    other.parent.mkdir()
    shutil.copyfile(sample, other)
    before = _bills(published)
    result = cli("-w", other, "publish")
    assert result.exit_code == 1
    assert "阳光花园" in result.output and "estate.xlsx" in result.output and "--estate" in result.output
    assert _bills(published) == before
    assert cli("-w", other, "publish", "--estate", "阳光花园二期").exit_code == 0
    assert [b[0] for b in _bills(published)] == ["阳光花园", "阳光花园二期"]
    # taken over deliberately
    result = cli("-w", other, "publish", "--replace")
    assert result.exit_code == 0 and "接替" in result.output
    assert _sql(published.db_url, "select workbook from propcli.estates where estate = '阳光花园'") == [("二期台账.xlsx",)]


@pytest.mark.parametrize("read", ["whole", "pieces", "pieces, many keys"])
def test_a_workbook_with_a_repeated_bill_number_is_refused_exit_3(published, cli, sample: Path, read: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from propcli.store import schema
    from propcli.store.workbook import Workbook

    if read != "whole":  # every register read a row at a time: the two rows in two pieces, found by the keys' hashes
        monkeypatch.setattr(publish_module, "WHOLE_LIMIT", 0)
        monkeypatch.setattr(publish_module, "CHUNK", 1)
    if read == "pieces, many keys":  # the hashes told apart by numpy (L's 1.6 million), not by a set
        monkeypatch.setattr(publish_module, "_SET_KEYS", 1)

    with Workbook(sample, write=True) as wb:  # a copied bill row: its 账单号 twice
        bills = wb.read(schema.BILLS)
        first, second = bills.rows[0], bills.rows[1]
        wb.update(bills, second, {"bill_id": first.values["bill_id"]}, key=str(second.values["bill_id"]))
        wb.commit("test")
    before, sha = _bills(published), content_sha256(sample)
    result = cli("-w", sample, "publish")
    assert result.exit_code == 3, result.output
    assert "未发布" in result.output and f"第 {second.number} 行" in result.output
    assert str(first.values["bill_id"]) in result.output
    assert _bills(published) == before  # the previous publish stands
    assert content_sha256(sample) == sha


@pytest.mark.parametrize("made", ["here", "aside"])
def test_an_unreadable_allocation_stops_the_publish_naming_its_cell(published, cli, sample: Path, made: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A 分配 cell that cannot be split into parts stops the publish, naming the cell, whether the parts are
    made here or by a child (which fails on it: the parts are made here again, and fail the same way)."""
    from propcli.store import schema, twocore
    from propcli.store.workbook import Workbook

    if made == "aside":
        if twocore.cores() < 2 or not hasattr(os, "fork"):
            pytest.skip("one core: no child")
        monkeypatch.setattr(twocore, "MIN_BYTES", 0)
    with Workbook(sample, write=True) as wb:
        payments = wb.read(schema.PAYMENTS)
        row = payments.rows[2]
        wb.update(payments, row, {"allocations": "ZD-1:十元"}, key=str(row.values["receipt_no"]))
        wb.commit("test")
    before, sha = _sql(published.db_url, "select count(*), sum(amount) from propcli.payment_parts"), content_sha256(sample)
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1, result.output
    assert "分配 'ZD-1:十元' 无法识别" in result.output and f"第 {row.number} 行" in result.output
    assert "Traceback" not in result.output
    assert _sql(published.db_url, "select count(*), sum(amount) from propcli.payment_parts") == before
    assert content_sha256(sample) == sha


def test_a_failed_reconciliation_rolls_back_and_names_the_register(published, cli, sample: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = publish_module.copy_columns

    def one_row_short(conn, table, estate, chunks):  # type: ignore[no-untyped-def]
        tally = real(conn, table, estate, chunks)
        if table.name == "payments":  # what was read says one more row than the database got
            tally.rows += 1
        return tally

    monkeypatch.setattr(publish_module, "copy_columns", one_row_short)
    before = _sql(published.db_url, "select count(*), sum(amount) from propcli.payments")
    result = cli("-w", sample, "publish")
    assert result.exit_code == 1
    assert "核对不符" in result.output and "收款记录" in result.output and "已回滚" in result.output
    assert _sql(published.db_url, "select count(*), sum(amount) from propcli.payments") == before


# A publish stopped in the middle of COPYing the bills (half of them sent): it says where it is and waits
# to be killed.
STOPPING_PUBLISH = r"""
import sys, time
from propcli.db import config, publish
from propcli.store.workbook import Workbook

real = publish.copy_columns

def stopping(conn, table, estate, chunks):
    if table.name != "bills":
        return real(conn, table, estate, chunks)
    def halves():
        for chunk in chunks:
            yield [c[: len(c) // 2] for c in chunk]
            print("AT bills", flush=True)
            time.sleep(120)
    return real(conn, table, estate, halves())

publish.copy_columns = stopping
with Workbook(sys.argv[1]) as wb:
    publish.publish(wb, config.require(None), sys.argv[2])
print("DONE", flush=True)
"""


def _stopped_publish(path: Path, estate: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", STOPPING_PUBLISH, str(path), estate], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "AT bills":
        proc.kill()
        pytest.fail(f"the publish never reached the bills: {line!r}")
    return proc


def test_a_publish_killed_mid_copy_leaves_the_previous_data_and_blocks_no_one(published, cli, sample: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before, sha = _bills(published), content_sha256(sample)
    proc = _stopped_publish(sample, "阳光花园")
    try:
        # meanwhile: a second publish of the same estate waits, then says busy (exit 4) …
        monkeypatch.setenv("PROPCLI_DB_LOCK_WAIT", "1")
        result = cli("-w", sample, "publish")
        assert result.exit_code == 4, result.output
        assert "正在由另一个 propcli 发布" in result.output
        # … and another estate is not blocked
        result = cli("-w", sample, "publish", "--estate", "阳光花园二期")
        assert result.exit_code == 0, result.output
        # readers see the previous complete data while the publish is in flight
        assert _bills(published)[0] == before[0]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    rows = _bills(published)
    assert rows[0] == before[0]  # the killed transaction never committed: all of the old bills, none of the new
    assert content_sha256(sample) == sha
    # the server ended the killed session and its lock: the next publish gets in (it may have to wait a moment)
    monkeypatch.setenv("PROPCLI_DB_LOCK_WAIT", "30")
    assert cli("-w", sample, "publish").exit_code == 0
    assert _bills(published)[0] == before[0]
