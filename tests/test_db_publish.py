"""`propcli publish` against a real PostgreSQL (tests/pgserver.py): the sample estate in, reconciled to the
cent against figures worked out from the workbook by hand-written sums, idempotent, the workbook untouched."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from itertools import compress
from pathlib import Path

import psycopg
import pytest

from propcli.db import facts, tables
from propcli.store import schema
from propcli.store.workbook import Workbook, content_sha256


def _sql(pg, query: str, *params: object) -> list[tuple]:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg.db_url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def upgraded(pg, cli):  # type: ignore[no-untyped-def]
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    return pg


def test_publish_sample_reconciles_with_the_workbook(upgraded, cli, sample: Path) -> None:
    before = content_sha256(sample)
    result = cli("-w", str(sample), "publish")
    assert result.exit_code == 0, result.output
    assert content_sha256(sample) == before  # read only
    # what the workbook holds, summed here by plain iteration over the store's rows (not publish's tally)
    with Workbook(sample) as wb:
        bills = wb.read(schema.BILLS).rows
        payments = wb.read(schema.PAYMENTS).rows
        owners = wb.read(schema.OWNERS).rows
        name = wb.settings()["name"]
    billed = sum((r.values["amount"] for r in bills if r.values.get("amount") is not None), Decimal(0))
    received = sum((r.values["amount"] for r in payments if r.values.get("amount") is not None), Decimal(0))
    got = _sql(upgraded, "select count(*), sum(amount), sum(paid) from propcli.bills where estate = %s", name)[0]
    assert got[0] == len(bills) and got[1] == billed
    assert _sql(upgraded, "select count(*), sum(amount) from propcli.payments where estate = %s", name)[0] == (
        len(payments), received)
    assert _sql(upgraded, "select count(*) from propcli.owners where estate = %s", name)[0][0] == len(owners)
    # identifiers stay text, dates are dates, money numeric(14,2)
    bill = bills[0].values
    row = _sql(upgraded, "select unit_id, period, due_date, amount from propcli.bills where estate = %s and bill_id = %s",
               name, bill["bill_id"])[0]
    assert row == (bill["unit_id"], bill["period"], bill["due_date"], bill["amount"])
    assert isinstance(row[2], dt.date)
    types = dict(_sql(upgraded, "select column_name, data_type || coalesce('(' || numeric_precision || ',' || "
                      "numeric_scale || ')', '') from information_schema.columns where table_schema = 'propcli' "
                      "and table_name = 'owners'"))
    assert types["unit_id"] == "text" and types["phone"] == "text" and types["id_no"] == "text"
    assert types["move_in_date"] == "date"
    assert _sql(upgraded, "select data_type, numeric_precision, numeric_scale from information_schema.columns "
                "where table_schema = 'propcli' and table_name = 'bills' and column_name = 'amount'")[0] == (
        "numeric", 14, 2)
    # the estate's row says what was published
    published = _sql(upgraded, "select workbook, (rows -> 'bills' ->> 'rows')::int, rows -> 'bills' -> 'money' ->> 'amount' "
                     "from propcli.estates where estate = %s", name)[0]
    assert published == ("estate.xlsx", len(bills), f"{billed:.2f}")


def test_publish_twice_replaces_and_keeps_one_copy(upgraded, cli, sample: Path) -> None:
    assert cli("-w", str(sample), "publish").exit_code == 0
    first = _sql(upgraded, "select count(*), sum(amount) from propcli.bills")
    assert cli("-w", str(sample), "publish").exit_code == 0
    assert _sql(upgraded, "select count(*), sum(amount) from propcli.bills") == first
    assert _sql(upgraded, "select count(*) from propcli.estates") == [(1,)]


def _table(pg, name: str, estate: str, block: bool = True) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The estate's rows of a table, sorted; `block`: with the block each was sent in (tables.BLOCK)."""
    cols = ", ".join(f'"{c}"' for c in tables.by_name()[name].names if block or c != tables.BLOCK)
    return sorted(_sql(pg, f"select {cols} from propcli.{name} where estate = %s", estate), key=repr)


def _written(pg, name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Rows inserted and deleted in a table since the server started (the statistics lag: forced first)."""
    with psycopg.connect(pg.db_url, autocommit=True) as conn:
        conn.execute("select pg_stat_force_next_flush()")
        row = conn.execute("select n_tup_ins, n_tup_del from pg_stat_user_tables where relid = %s::regclass",
                           (f"propcli.{name}",)).fetchone()
    return row[0], row[1]


def test_a_republish_writes_only_the_rows_that_changed_and_sums_the_months_they_touch(upgraded, cli, sample: Path) -> None:
    name = "阳光花园"
    assert cli("-w", sample, "publish").exit_code == 0
    with Workbook(sample) as wb:
        before = wb.columns(schema.BILLS, ("bill_id", "paid", "status"))
    # a payment larger than 1-1-0802's debts (12,885.32 over 24 months): it pays its bills of 24 months and the
    # rest, 114.68, becomes 预存 (a part with no 账期: the null group of part_days)
    assert cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "13000", "--date", "2026-11-20").exit_code == 0
    with Workbook(sample) as wb:
        after = wb.columns(schema.BILLS, ("bill_id", "paid", "status"))
    changed = sum(1 for old, new in zip(zip(*before.values()), zip(*after.values())) if old != new)
    assert changed >= 2  # the payment paid at least two bills (else the test proves little)
    ins, dels = _written(upgraded, "bills")
    sums_before = {t.name: _table(upgraded, t.name, name) for t in tables.SUMS}
    assert cli("-w", sample, "publish").exit_code == 0
    # the merge wrote the bills whose 已收/状态 changed, each deleted and inserted once, and no other bill
    assert _written(upgraded, "bills") == (ins + changed, dels + changed)
    # every sums table equals its sums made again from all the estate's rows
    with psycopg.connect(upgraded.db_url) as conn:
        for summed, (_, select) in facts.SUMS.items():
            full = sorted(conn.execute(select.replace("{only}", ""), {"estate": name}).fetchall(), key=repr)
            assert _table(upgraded, summed, name) == full, summed
    assert _table(upgraded, "part_days", name) != sums_before["part_days"]  # the new payment's day is there
    assert _table(upgraded, "period_sums", name) != sums_before["period_sums"]  # its months' 已收 moved


def test_a_table_sent_as_the_last_publish_sent_it_is_not_merged_again(upgraded, cli, sample: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each table's COPY text is kept by its SHA-256 with the estate: a publish that makes a table the same
    bytes again (a register the day left alone) sends the server none of them and leaves its rows as they
    are, no COPY, no join; a table whose text differs is copied and merged."""
    from propcli.db import loader

    assert cli("-w", sample, "publish").exit_code == 0
    held = _sql(upgraded, "select rows from propcli.estates")[0][0]
    assert {t.name for t in tables.REGISTERS + tables.DERIVED} <= set(held)
    assert all(len(b) == 64 for v in held.values() for b in v["blocks"])
    merged: list[str] = []
    copied: list[str] = []
    real, copy = loader.merge, loader.Loader._copy
    monkeypatch.setattr(loader, "merge", lambda conn, table, *a: merged.append(table.name) or real(conn, table, *a))
    monkeypatch.setattr(loader.Loader, "_copy", lambda self, table, *a: copied.append(table.name) or copy(self, table, *a))
    assert cli("-w", sample, "publish").exit_code == 0
    assert merged == [] and copied == []  # the same workbook: every table as it was
    assert _sql(upgraded, "select rows from propcli.estates")[0][0] == held
    assert cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "300", "--date", "2026-11-20").exit_code == 0
    assert cli("-w", sample, "publish").exit_code == 0
    assert {"bills", "payments", "bill_facts", "payment_parts"} <= set(merged) == set(copied)
    assert "owners" not in copied and "readings" not in copied
    with Workbook(sample) as wb:
        paid = sum((v for v in wb.columns(schema.PAYMENTS, ("amount",))["amount"] if v is not None), Decimal(0))
    assert _sql(upgraded, "select sum(amount) from propcli.payments")[0][0] == paid


@pytest.mark.parametrize("kept", ["none", "older"])
def test_rows_published_without_blocks_are_all_replaced(upgraded, cli, sample: Path, kept: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows published before migration 4 carry no block, and their estate kept the digests of an older
    text (`older`: its first 16 hex digits of each block's SHA-256, of text without the block column) or
    none: every table is sent whole and replaces them all, once — its rows then numbered with their blocks
    and their digests kept — and the estate holds each row once."""
    from propcli.db import loader
    from propcli.db import publish as publish_module

    monkeypatch.setattr(publish_module, "CHUNK", 50)
    assert cli("-w", sample, "publish").exit_code == 0
    counts = {t.name: _sql(upgraded, f"select count(*) from {t.qualified}")[0][0] for t in tables.DERIVED + tables.REGISTERS}
    n = len(_sql(upgraded, "select rows from propcli.estates")[0][0]["bills"]["blocks"])
    with psycopg.connect(upgraded.db_url) as conn:  # as an older propcli left them
        blocks = ("'[]'::jsonb" if kept == "none" else
                  "(select coalesce(jsonb_agg(left(b, 16)), '[]') from jsonb_array_elements_text(value -> 'blocks') b)")
        conn.execute(f"update propcli.estates set rows = (select jsonb_object_agg(key, (value - 'blocks') || "
                     f"jsonb_build_object('digest', repeat('0', 64)) || (case when {blocks} = '[]' then '{{}}' "
                     f"else jsonb_build_object('blocks', {blocks}) end)) from jsonb_each(rows))")
        for t in tables.REGISTERS + tables.DERIVED:
            conn.execute(f"update {t.qualified} set blk = null")
    merged: list[tuple[str, object]] = []
    real = loader.merge
    monkeypatch.setattr(loader, "merge", lambda conn, table, estate, period=None, only=None, keep=None:
                        merged.append((table.name, only)) or real(conn, table, estate, period, only, keep))
    result = cli("-w", sample, "publish")
    assert result.exit_code == 0, result.output
    every = None if kept == "none" else (list(range(1, n + 1)), n)  # all of it, in either way
    assert ("bills", every) in merged
    for name, count in counts.items():
        assert _sql(upgraded, f"select count(*), count(blk) from propcli.{name}")[0] == (count, count), name
    held = _sql(upgraded, "select rows from propcli.estates")[0][0]
    assert len(held["bills"]["blocks"]) == n >= 10  # kept again
    merged.clear()
    assert cli("-w", sample, "publish").exit_code == 0
    assert merged == []


def _bill_row(wb: Workbook, bill: object):  # type: ignore[no-untyped-def]
    bills = wb.read(schema.BILLS)
    return bills, next(r for r in bills.rows if r.values["bill_id"] == bill)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_only_the_blocks_that_differ_are_sent_and_merged(upgraded, cli, sample: Path, where: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A table the last publish sent (the digest of each of its blocks kept with the estate) is sent only
    in the blocks that differ, and the merge reads and writes only the estate's rows of those blocks: a
    bill changed in one block of 50 sends those 50 bills, rewrites that one, and leaves every other row
    where it is (its ctid)."""
    from propcli.db import loader
    from propcli.db import publish as publish_module

    monkeypatch.setattr(publish_module, "CHUNK", 50)  # 应收账单 sent 50 bills a block
    assert cli("-w", sample, "publish").exit_code == 0
    held = _sql(upgraded, "select rows from propcli.estates")[0][0]
    blocks = len(held["bills"]["blocks"])
    assert blocks == -(-held["bills"]["rows"] // 50) >= 10
    k = {"first": 1, "middle": blocks // 2, "last": blocks}[where]
    with Workbook(sample, write=True) as wb:
        bills = wb.read(schema.BILLS)
        row = bills.rows[(k - 1) * 50 + 3 if where != "last" else -1]
        bill, amount = row.values["bill_id"], row.values["amount"] + Decimal("1.00")
        wb.update(bills, row, {"amount": amount}, key=str(bill))
        wb.commit("test")
    where_before = dict(_sql(upgraded, "select bill_id, ctid::text from propcli.bills"))
    assert _sql(upgraded, "select blk from propcli.bills where bill_id = %s", bill) == [(k,)]
    copied: dict[str, int] = {}  # rows COPYed, per table
    copy = loader.Loader._copy

    def counted(self, table, fill):  # type: ignore[no-untyped-def]
        cur, ctx, writing = copy(self, table, fill)
        copied[table.name] = 0

        class Counted:
            def write(self, data: bytes) -> None:
                copied[table.name] += bytes(data).count(b"\n")
                writing.write(data)
        return cur, ctx, Counted()
    monkeypatch.setattr(loader.Loader, "_copy", counted)
    merged: list[tuple[str, object]] = []
    real = loader.merge
    monkeypatch.setattr(loader, "merge", lambda conn, table, estate, period=None, only=None, keep=None:
                        merged.append((table.name, only)) or real(conn, table, estate, period, only, keep))
    assert cli("-w", sample, "publish").exit_code == 0  # reconciled: the rows the workbook holds
    # the parts' text is as it was: the bill's new 金额 is refreshed on the parts naming it, not sent
    assert merged == [("bills", ([k], blocks)), ("bill_facts", ([k], blocks))]
    in_block = 50 if where != "last" else held["bills"]["rows"] - 50 * (blocks - 1)
    assert copied["bills"] == in_block and 0 < copied["bill_facts"] <= in_block and set(copied) == {"bills", "bill_facts"}
    assert _sql(upgraded, "select amount from propcli.bills where bill_id = %s", bill) == [(amount,)]
    now = dict(_sql(upgraded, "select bill_id, ctid::text from propcli.bills"))
    assert {b for b in now if now[b] != where_before[b]} == {bill}


def test_copy_text_of_repeated_values_is_each_values_own() -> None:
    from propcli.db import publish as publish_module

    def text(col: list, sql: str) -> list[str]:
        return publish_module._escaped(col, publish_module._EXACT.get(sql))

    # a plain numeric keeps its scale: 1.5 and 1.50 are equal Decimals but different values to the column
    assert text([Decimal("1.5"), Decimal("1.50")] * 8, "numeric") == ["1.5", "1.50"] * 8
    # a repeated text with a tab, a line break and a backslash is escaped; None is \N
    assert text(["a\tb", "c\nd\\", None, "a\tb"] * 4, "text") == ["a\\tb", "c\\nd\\\\", "\\N", "a\\tb"] * 4
    # 1 and True are equal in Python: a text column holding both keeps each one's text
    assert text([1, True, "x", "x"] * 4, "text") == ["1", "True", "x", "x"] * 4
    # days and money made once per value, the same texts as one by one
    days = [dt.date(2025, 1, 31), dt.datetime(2025, 1, 31, 8, 30), None] * 4
    assert text(days, "date") == ["2025-01-31", "2025-01-31 08:30:00", "\\N"] * 4
    assert text([Decimal("12.30"), Decimal("0.00"), None] * 4, "numeric(14,2)") == ["12.30", "0.00", "\\N"] * 4


def _everything(pg, estate: str, block: bool = False) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every table's rows of the estate, without the estate's name (nor, unless `block`, their blocks)."""
    return {t.name: [row[1:] for row in _table(pg, t.name, estate, block)]
            for t in (*tables.REGISTERS, tables.SETTINGS, *tables.DERIVED, *tables.SUMS)}


@pytest.mark.parametrize("child", ["reads", "fails", "too big", "facts fail"])
def test_a_cold_publish_reads_the_other_registers_on_the_second_core(upgraded, cli, sample: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      child: str) -> None:
    from propcli.db import publish as publish_module
    from propcli.store import twocore
    from propcli.store import workbook as workbook_module

    if twocore.cores() < 2 or not hasattr(os, "fork"):
        pytest.skip("one core: no child to read ahead")
    # the same workbook published the usual way (one process) under another name: what every table must hold
    alone = tmp_path / "alone" / "estate.xlsx"
    alone.parent.mkdir()
    alone.write_bytes(sample.read_bytes())
    monkeypatch.setenv("PROPCLI_CORES", "1")
    assert cli("-w", alone, "publish", "--estate", "独自").exit_code == 0
    monkeypatch.delenv("PROPCLI_CORES")
    monkeypatch.setattr(twocore, "MIN_BYTES", 0)  # the sample's sheets are small: read ahead all the same
    read_here: list[str] = []  # the registers this process read from the XML (the child's own list is its own)
    scan = workbook_module.scan_data
    monkeypatch.setattr(workbook_module, "scan_data", lambda s, spec, *a, **k: read_here.append(spec.key) or scan(s, spec, *a, **k))
    if child == "too big":  # registers past the limit: read here, not held in a child beside this process's
        monkeypatch.setattr(publish_module, "AHEAD_LIMIT", 1000)
    if child == "fails":
        into_cache = publish_module._read_into_cache

        def failing(path: Path, keys: tuple[str, ...], parent: int) -> bool:
            if os.getpid() != parent:
                raise RuntimeError("the child dies")
            return into_cache(path, keys, parent)
        monkeypatch.setattr(publish_module, "_read_into_cache", failing)
    # bill_facts and payment_parts made by children of their own while this process copies their registers
    aside: list[str] = []
    spool_aside, made = publish_module._Spool.aside, publish_module._Spool._made
    monkeypatch.setattr(publish_module._Spool, "aside", lambda self, p: aside.append(self.table.name) or spool_aside(self, p))
    if child == "facts fail":  # each dies half-way, after writing some of the text: made here again, from the start
        here = os.getpid()

        def dying(self, pieces):  # type: ignore[no-untyped-def]
            if os.getpid() != here:
                self.file.write(b"half a row\t" * 1_000_000)  # more than the whole table (~3 MB)
                self.file.flush()
                raise RuntimeError("the child dies")
            return made(self, pieces)
        monkeypatch.setattr(publish_module._Spool, "_made", dying)
    before = content_sha256(sample)
    result = cli("-w", sample, "publish", "--estate", "两核")
    assert result.exit_code == 0, result.output
    assert aside == ["bill_facts", "payment_parts"]
    assert content_sha256(sample) == before
    assert "bills" in read_here  # the biggest register: read here, while the child reads the others
    if child in ("fails", "too big"):  # each register read here when its turn came
        assert {"payments", "readings", "rates"} <= set(read_here)
    else:
        assert not {"payments", "readings", "rates"} & set(read_here)
        with Workbook(sample) as wb:  # the child left them in the read cache, where publish found them
            assert all(wb.in_cache(s) for s in (schema.PAYMENTS, schema.READINGS, schema.RATES))
    got, want = _everything(upgraded, "两核"), _everything(upgraded, "独自")
    assert want["bills"] and want["payment_parts"] and want["readings"]
    assert all(got[name] == rows for name, rows in want.items()), [name for name in want if got[name] != want[name]]


@pytest.mark.parametrize("read", ["whole", "pieces", "aside"])
def test_each_part_carries_what_the_figures_read_of_the_bill_it_names(upgraded, cli, sample: Path, read: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A part's target_* columns are the bill's own (filled by the server from bill_facts), but for a bill
    without 金额 — not one of bill_facts — whose 账期 and due day alone it carries; its parts numbered 1, 2, …
    within each payment, whatever the pieces (`pieces`: 3 payments a piece) or the process that made them
    (`aside`: bill_facts and payment_parts each made by a child, the bill without 金额 learned of the
    first's)."""
    from propcli.db import publish as publish_module
    from propcli.ops import stats
    from propcli.store import twocore

    with Workbook(sample, write=True) as wb:
        named = [p.target for p in stats.payment_parts(wb) if p.target.startswith("ZD")]
        bills = wb.read(schema.BILLS)
        by_id = {r.values["bill_id"]: r for r in bills.rows}
        blank, kept = by_id[named[0]], by_id[named[-1]]  # the first bill a payment names loses its 金额
        wb.update(bills, blank, {"amount": None}, key=str(blank.values["bill_id"]))
        wb.commit("test")
    if read == "pieces":
        monkeypatch.setattr(publish_module, "WHOLE_LIMIT", 0)
        monkeypatch.setattr(publish_module, "CHUNK", 3)
    if read == "aside":
        if twocore.cores() < 2 or not hasattr(os, "fork"):
            pytest.skip("one core: no child")
        monkeypatch.setattr(twocore, "MIN_BYTES", 0)
    assert cli("-w", sample, "publish", "--estate", "部分").exit_code == 0
    cols = "target_period, target_due, target_unit, target_amount, target_paid, target_waived_bill"
    rows = _sql(upgraded, f"select distinct {cols} from propcli.payment_parts where estate = '部分' and target = %s",
                kept.values["bill_id"])
    v = kept.values
    assert rows == [(v["period"], v["due_date"], v["unit_id"], v["amount"], v["paid"] or 0, v["status"] == "减免")]
    rows = _sql(upgraded, f"select distinct {cols} from propcli.payment_parts where estate = '部分' and target = %s",
                blank.values["bill_id"])
    assert rows == [(blank.values["period"], blank.values["due_date"], None, None, None, None)]
    assert blank.values["period"] and blank.values["due_date"]
    numbers = _sql(upgraded, "select receipt_no, array_agg(part_no order by part_no) from propcli.payment_parts "
                             "where estate = '部分' group by receipt_no")
    assert max(len(n) for _, n in numbers) >= 3
    assert all(n == list(range(1, len(n) + 1)) for _, n in numbers)
    prepaid = _sql(upgraded, f"select distinct {cols} from propcli.payment_parts where estate = '部分' and target = '预存'")
    assert prepaid in ([], [(None,) * 6])
    # the bill's 金额 corrected, no payment changed: its parts' text is as before, what they carry is not
    with Workbook(sample, write=True) as wb:
        bills = wb.read(schema.BILLS)
        row = next(r for r in bills.rows if r.values["bill_id"] == kept.values["bill_id"])
        wb.update(bills, row, {"amount": v["amount"] + Decimal("0.01")}, key=str(v["bill_id"]))
        wb.commit("test")
    assert cli("-w", sample, "publish", "--estate", "部分").exit_code == 0
    rows = _sql(upgraded, "select distinct target_amount from propcli.payment_parts where estate = '部分' and target = %s",
                kept.values["bill_id"])
    assert rows == [(v["amount"] + Decimal("0.01"),)]


def test_a_register_too_big_to_hold_is_published_in_pieces_as_it_is_whole(upgraded, cli, sample: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Above WHOLE_LIMIT of XML (L's 应收账单, 抄表记录) a register is read and copied a piece of rows at a
    time, never held whole: every table, derived and summed ones too, the same as the whole read's."""
    from propcli.db import publish as publish_module
    from propcli.store import workbook as workbook_module

    whole = tmp_path / "whole" / "estate.xlsx"
    whole.parent.mkdir()
    whole.write_bytes(sample.read_bytes())
    assert cli("-w", whole, "publish", "--estate", "整读").exit_code == 0
    monkeypatch.setattr(publish_module, "WHOLE_LIMIT", 0)
    monkeypatch.setattr(publish_module, "CHUNK", 7)  # pieces of 7 rows: bills, payments and their parts cut across
    pieced: list[str] = []
    real = workbook_module.Workbook.column_pieces
    monkeypatch.setattr(workbook_module.Workbook, "column_pieces",
                        lambda self, spec, *a, **k: pieced.append(spec.key) or real(self, spec, *a, **k))
    result = cli("-w", sample, "publish", "--estate", "分块")
    assert result.exit_code == 0, result.output
    assert {"bills", "payments", "readings", "owners"} <= set(pieced)
    got, want = _everything(upgraded, "分块"), _everything(upgraded, "整读")
    assert len(want["bills"]) > 7 * 3 and want["bill_facts"] and want["payment_parts"] and want["period_sums"]
    assert all(got[name] == rows for name, rows in want.items()), [name for name in want if got[name] != want[name]]


def test_a_publish_of_the_blocks_that_differ_leaves_the_estate_as_a_first_publish_would(
        upgraded, cli, sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a day did to the workbook, the estate's rows after a publish that sends only the blocks
    that differ are those a first publish of the same workbook makes (COPYed straight in, every sum made
    whole), block numbers included: bills gone (every block after the first shifted, the last one gone), a
    bill's 账期 and 金额 changed and another's 金额 blanked (the parts naming them, in blocks not sent, carry
    what they now are), a payment taken (a block of 收款记录 longer, bills paid)."""
    from propcli.db import publish as publish_module
    from propcli.ops import stats
    from propcli.store import workbook as workbook_module

    block = 500
    monkeypatch.setattr(publish_module, "CHUNK", block)  # many blocks: most of them the same after each change
    assert cli("-w", sample, "publish", "--estate", "逐块").exit_code == 0
    with Workbook(sample) as wb:
        named = list(dict.fromkeys(p.target for p in stats.payment_parts(wb) if p.target.startswith("ZD")))
        periods = sorted({p for p in wb.columns(schema.BILLS, ("period",))["period"] if p})
        ids = wb.columns(schema.BILLS, ("bill_id",))["bill_id"]
    assert len(named) >= 6 and len(periods) >= 2
    removed, moved, blanked = named[len(named) // 3], named[0], named[len(named) // 2]
    assert block < ids.index(removed) < len(ids) - block
    # the bills gone from 应收账单 as publish reads it: one a payment names, in the middle, and the last block's
    gone = {removed, *ids[-block:]}
    columns = workbook_module.Workbook.columns

    def without(self, spec, keys, **kw):  # type: ignore[no-untyped-def]
        cols = columns(self, spec, (*keys, "bill_id") if spec is schema.BILLS else keys, **kw)
        if spec is not schema.BILLS:
            return cols
        kept = [b not in gone for b in cols["bill_id"]]
        return {k: list(compress(cols[k], kept)) for k in keys}
    monkeypatch.setattr(workbook_module.Workbook, "columns", without)

    def same_as_first_publish(step: int) -> None:
        result = cli("-w", sample, "publish", "--estate", "逐块")
        assert result.exit_code == 0, result.output
        fresh = tmp_path / f"fresh{step}" / "estate.xlsx"
        fresh.parent.mkdir()
        fresh.write_bytes(sample.read_bytes())
        assert cli("-w", fresh, "publish", "--estate", f"重来{step}").exit_code == 0
        got, want = _everything(upgraded, "逐块", block=True), _everything(upgraded, f"重来{step}", block=True)
        assert want["bills"] and want["payment_parts"] and want["part_days"] and want["period_sums"]
        assert all(got[name] == rows for name, rows in want.items()), (step, [n for n in want if got[n] != want[n]])

    same_as_first_publish(1)
    assert _sql(upgraded, "select distinct target_amount from propcli.payment_parts where estate = '逐块' "
                          "and target = %s", removed) == [(None,)]
    with Workbook(sample, write=True) as wb:
        bills, row = _bill_row(wb, moved)
        period = next(p for p in periods if p != row.values["period"])
        wb.update(bills, row, {"period": period, "amount": row.values["amount"] + Decimal("0.50")}, key=moved)
        bills, row = _bill_row(wb, blanked)
        wb.update(bills, row, {"amount": None}, key=blanked)
        wb.commit("test")
    same_as_first_publish(2)
    assert _sql(upgraded, "select distinct target_period from propcli.payment_parts where estate = '逐块' "
                          "and target = %s", moved) == [(period,)]
    assert cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "500", "--date", "2026-11-20").exit_code == 0
    same_as_first_publish(3)
