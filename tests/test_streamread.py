"""A register sheet read as it is inflated, a piece at a time (`store.streamread`, issue 15: L's 442 MB
应收账单 is never held whole): the same columns, rows, types and problems as the read of the whole
part, pieces cut anywhere; and wherever that is not certain (a row out of the usual form, a 合计 row
under a report's few columns, a damaged part) it gives way to the whole read, which then decides."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from propcli.store import columns, package, schema, streamread, twocore
from propcli.store.fastread import Unsupported
from propcli.store.workbook import ROW_NUMBER, Workbook
from tests.test_reader_equality import KEYS, _same


def _both(path: Path, piece: int) -> list[tuple[str, object, object]]:
    """(sheet, streamed, whole) for every register sheet and key set of the workbook."""
    out = []
    with Workbook(path) as wb:
        pkg = wb._pkg
        assert pkg is not None
        for spec in schema.SHEETS:
            for name in wb.sheets_of(spec):
                for keys in KEYS.get(spec.key, [None]):
                    wb._shared_strings()
                    streamed = streamread.read(pkg, pkg.sheet(name).part, wb._strings, spec, name, wb.name,  # type: ignore[union-attr]
                                               keys, piece)
                    try:
                        whole = columns.scan_data(wb._scan(name), spec, name, wb.name, keys)
                    except Unsupported:
                        whole = None
                    out.append((name, streamed, whole))
    return out


@pytest.mark.parametrize("workbook", ["sample_readonly", "estate_s"])
@pytest.mark.parametrize("split", [False, True])
def test_read_in_pieces_equals_the_whole_read(workbook: str, split: bool, request: pytest.FixtureRequest,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`split`: the rows past the middle of each part read by a forked child (what L's bills get)."""
    path = request.getfixturevalue(workbook)
    monkeypatch.setattr(twocore, "MIN_BYTES", 0 if split else 1 << 62)
    compared = 0
    for name, streamed, whole in _both(path, piece=997):  # a kilobyte of deflated bytes: rows cut anywhere
        if streamed is None:
            continue
        assert whole is not None, name
        _same(streamed, whole)  # type: ignore[arg-type]
        compared += len(whole.numbers)  # type: ignore[union-attr]
    assert compared > (20_000 if workbook == "estate_s" else 10)


def test_the_workbook_streams_a_part_too_big_to_inflate_ahead(estate_s: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading only, a part above the prefetch limit goes through the pieces; a write reads it whole."""
    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    with Workbook(path) as wb:
        whole = wb.columns(schema.BILLS, ("unit_id", "period", "item", "amount", "paid", "status", "due_date"))
    monkeypatch.setattr(package, "PREFETCH_LIMIT", 0)
    monkeypatch.setattr(streamread, "PIECE", 4096)
    calls: list[str] = []
    real = streamread.read
    monkeypatch.setattr(streamread, "read", lambda *a, **k: calls.append(a[4]) or real(*a, **k))
    shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)  # cold
    with Workbook(path) as wb:
        streamed = wb.columns(schema.BILLS, ("unit_id", "period", "item", "amount", "paid", "status", "due_date"))
    assert "应收账单" in calls
    assert streamed == whole and len(whole["unit_id"]) > 10_000
    calls.clear()
    with Workbook(path, write=True) as wb:
        wb.read(schema.BILLS)
    assert calls == []
    # a write that declares it only reads 应收账单 streams it as a read does, its XML not kept; a change
    # staged to it after all is written from the part inflated again
    shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)
    with Workbook(path, write=True) as wb:
        wb.only_reading(schema.BILLS)
        assert wb.columns(schema.BILLS, tuple(whole)) == whole
        assert calls == ["应收账单"]
        assert wb._pkg.sheet("应收账单").part not in wb._pkg._parts
        bills = wb.read(schema.BILLS, only=("unit_id", whole["unit_id"][0]))
        row = bills.rows[0]
        wb.update(bills, row, {"status": "减免"}, key=str(row.values["bill_id"]))
        wb.commit("test")
    with Workbook(path) as wb:
        after = wb.columns(schema.BILLS, ("status",))["status"]
    assert whole["status"][0] != "减免" and after[0] == "减免"  # the unit's first bill is the register's first
    assert after[1:] == whole["status"][1:]


def _rewritten(src: Path, dst: Path, sheet: str, change) -> Path:  # type: ignore[no-untyped-def]
    from tests.fixtures.badfiles import part_of, rewrite

    shutil.copyfile(src, dst)
    rewrite(dst, {part_of(dst, sheet): change})
    return dst


@pytest.mark.parametrize("split", [False, True])
def test_what_is_not_certain_is_left_to_the_whole_read(estate_s: Path, tmp_path: Path, split: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`split`: the odd rows at the end fall in the half a forked child reads."""
    monkeypatch.setattr(twocore, "MIN_BYTES", 0 if split else 1 << 62)
    report = KEYS[schema.BILLS.key][1]
    with Workbook(estate_s) as wb:
        unit = wb.columns(schema.BILLS, ("unit_id",))["unit_id"][-1]

    def streamed(path: Path, keys) -> object:  # type: ignore[no-untyped-def]
        with Workbook(path) as wb:
            pkg = wb._pkg
            assert pkg is not None
            wb._shared_strings()
            return streamread.read(pkg, pkg.sheet("应收账单").part, wb._strings, schema.BILLS, "应收账单",  # type: ignore[union-attr]
                                   wb.name, keys, 4096)

    assert streamed(estate_s, report) is not None
    # a cell out of column order near the end: the one-pass pattern does not fit that row
    odd = _rewritten(estate_s, tmp_path / "odd.xlsx", "应收账单",
                     lambda b: b[:b.rfind(b"<row ")] + b'<row r="99999"><c r="B99999"><v>1</v></c>'
                     b'<c r="A99999"><v>2</v></c></row>' + b[b.rfind(b"<row "):])
    assert streamed(odd, None) is None
    # a 合计 row written inline at the end, under a report's few columns: every column must be read
    total = _rewritten(estate_s, tmp_path / "total.xlsx", "应收账单",
                       lambda b: b.replace(b"</sheetData>", b'<row r="99999"><c r="A99999" t="inlineStr"><is><t>'
                                           + "合计".encode() + b"</t></is></c></row></sheetData>"))
    assert streamed(total, report) is None
    assert streamed(total, None) is not None  # all of them read: the row is known as a 合计 row
    with Workbook(total) as wb:
        assert unit in wb.columns(schema.BILLS, ("unit_id",))["unit_id"]


# Rows past the middle of 应收账单 that each half of a split read must judge as one process does: a 合计 row,
# a blank row, and a bill whose 账单号 is stored with spaces and whose 单价 (F) is no number.
ODD_ROWS = (b'<row r="99996"><c r="A99996" t="inlineStr"><is><t>' + "合计".encode() + b'</t></is></c>'
            b'<c r="F99996"><v>123.5</v></c></row><row r="99997"/>'
            b'<row r="99998"><c r="A99998" t="inlineStr"><is><t> B-X 1 </t></is></c>'
            b'<c r="B99998" t="inlineStr"><is><t>1-1-0101</t></is></c>'
            b'<c r="F99998" t="inlineStr"><is><t>abc</t></is></c></row>')


def with_odd_rows(src: Path, dst: Path) -> Path:
    return _rewritten(src, dst, "应收账单", lambda b: b.replace(b"</sheetData>", ODD_ROWS + b"</sheetData>"))


def test_the_childs_half_with_odd_rows_equals_the_whole_read(estate_s: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The half a forked child reads and assembles itself, with what each half must judge alike: a 合计
    row (left out), a blank row, a unit price that is no number (a problem, located), an identifier stored
    with spaces (typed without them, its raw cell kept) — all past the middle of the part."""
    monkeypatch.setattr(twocore, "MIN_BYTES", 0)
    path = with_odd_rows(estate_s, tmp_path / "odd.xlsx")
    with Workbook(path) as wb:
        pkg = wb._pkg
        assert pkg is not None
        wb._shared_strings()
        streamed = streamread.read(pkg, pkg.sheet("应收账单").part, wb._strings, schema.BILLS, "应收账单",  # type: ignore[union-attr]
                                   wb.name, None, 4096)
        whole = columns.scan_data(wb._scan("应收账单"), schema.BILLS, "应收账单", wb.name)
    assert streamed is not None
    _same(streamed, whole)
    assert 99996 not in whole.numbers and 99997 not in whole.numbers and whole.numbers[-1] == 99998
    assert whole.values["bill_id"][-1] == "B-X1" and whole.raws["bill_id"][-1] == " B-X 1 "  # type: ignore[index]
    assert whole.problems[-1][:2] == (99998, "unit_price") and whole.last_row == 99998


def test_one_units_rows_read_in_pieces_equal_the_search_of_the_whole_part(estate_s: Path) -> None:
    """`read(only=(房号, unit))` and `rows(numbers)` of a part read in pieces: the rows, values, raw cells,
    header and last row of the search of the whole part (`scan_only`, `scan_rows`)."""
    registers = (schema.BILLS, schema.PAYMENTS, schema.READINGS, schema.REMINDERS, schema.OWNERS)
    with Workbook(estate_s) as wb:
        units = wb.columns(schema.REMINDERS, ("unit_id",))["unit_id"]
        pkg = wb._pkg
        assert pkg is not None
        wb._shared_strings()
        compared = 0
        for unit in (units[0], units[-1], "9-9-9999", " " + str(units[-1])):  # the last: no such unit
            for spec in registers:
                name = wb.sheet_name(spec) or ""
                part = pkg.sheet(name).part  # type: ignore[union-attr]
                with pytest.MonkeyPatch.context() as m:
                    m.setattr(columns, "searched", lambda *a: False)  # the whole part's column search
                    whole = columns.scan_only(wb._scan(name), spec, name, wb.name, "unit_id", unit)
                got = streamread.rows(pkg, part, wb._strings, spec, name, wb.name, only=("unit_id", unit), piece=997)
                assert got is not None
                assert [(r.number, r.values, r.raw) for r in got.rows] == \
                       [(r.number, r.values, r.raw) for r in whole.rows], (spec.key, unit)
                assert (got.header_row, got.columns, got.headers, got.width, got.last_row, got.partial) == \
                       (whole.header_row, whole.columns, whole.headers, whole.width, whole.last_row, whole.partial)
                numbers = [r.number for r in whole.rows][::2] + [3]
                picked = streamread.rows(pkg, part, wb._strings, spec, name, wb.name, numbers=numbers, piece=997)
                by_number = columns.scan_rows(wb._scan(name), spec, name, wb.name, numbers)
                assert picked is not None
                assert [(r.number, r.values, r.raw) for r in picked.rows] == \
                       [(r.number, r.values, r.raw) for r in by_number.rows], (spec.key, unit)
                compared += len(whole.rows)
    assert compared > 50


def test_rows_by_number_leave_the_rest_of_the_part_uninflated(estate_s: Path) -> None:
    """`rows(numbers)` stops at the last row asked for: none asked (a month not billed yet, before
    `billing run` bills it) inflates the head only; the first row a few pieces; the last row the part."""
    with Workbook(estate_s) as wb:
        pkg = wb._pkg
        assert pkg is not None
        wb._shared_strings()
        name = wb.sheet_name(schema.BILLS) or ""
        part = pkg.sheet(name).part  # type: ignore[union-attr]
        total = -(-pkg.infos[part].compress_size // 997)
        first = wb.read(schema.BILLS).header_row + 1
        last = wb.read(schema.BILLS).rows[-1].number
        inflated: list[int] = []
        stream = pkg.stream

        def counted(member: str, piece: int):  # type: ignore[no-untyped-def]
            for data in stream(member, piece):
                inflated[-1] += 1
                yield data

        pkg.stream = counted  # type: ignore[method-assign]
        for numbers, most in (([], 3), ([first], 3), ([last], total)):
            inflated.append(0)
            got = streamread.rows(pkg, part, wb._strings, schema.BILLS, name, wb.name, numbers=numbers, piece=997)
            assert got is not None and [r.number for r in got.rows] == numbers
            assert inflated[-1] <= most, (numbers, inflated)
        assert inflated[-1] >= total - 1 > 100  # the last row: every piece (the last may hold only the end)


def test_a_dossier_read_on_two_cores_is_the_dossier_read_on_one(estate_s: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`owners show` of a workbook whose registers are read in pieces: the big sheets but the biggest read
    by a forked child (`Workbook.search_ahead`) give the very dossier one process gives — and a child
    that fails is read again here."""
    from propcli.ops.owners import dossier
    from propcli.store import twocore

    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    with Workbook(path) as wb:
        unit = str(wb.columns(schema.REMINDERS, ("unit_id",))["unit_id"][-1])  # a debtor: rows in every register
    monkeypatch.setattr(package, "PREFETCH_LIMIT", 0)
    monkeypatch.setattr(streamread, "PIECE", 1 << 14)
    monkeypatch.setattr(twocore, "MIN_BYTES", 0)
    shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)  # cold
    with Workbook(path) as wb:
        wb.search_ahead = lambda *a: None  # type: ignore[method-assign]
        alone = dossier(wb, unit)
    forked: list[int] = []
    real = twocore.Forked.__init__

    def counted(self, fn, *args):  # type: ignore[no-untyped-def]
        forked.append(len(args[0]))
        real(self, fn, *args)

    monkeypatch.setattr(twocore.Forked, "__init__", counted)
    order: list[str] = []  # this process's reads in pieces, and when it first waits for the child
    parent, streamed, result = os.getpid(), Workbook._streamed_rows, twocore.Forked.result
    monkeypatch.setattr(Workbook, "_streamed_rows", lambda self, spec, name, **k: (
        os.getpid() == parent and order.append(name), streamed(self, spec, name, **k))[1])
    monkeypatch.setattr(twocore.Forked, "result", lambda self: (order.append("wait"), result(self))[1])
    with Workbook(path) as wb:
        both = dossier(wb, unit)
    assert forked and forked[0] >= 3  # all the registers but the biggest read in pieces by the child
    assert order.index("应收账单") < order.index("wait")  # the biggest read here first: both cores at work
    assert both == alone and sum(map(len, alone.registers.values())) > 20
    rows_of = Workbook._rows_of
    monkeypatch.setattr(Workbook, "_rows_of", lambda self, sheets, only: os._exit(3) if os.getpid() != parent
                        else rows_of(self, sheets, only))  # the child dies: its sheets are read here
    with Workbook(path) as wb:
        assert dossier(wb, unit) == alone


def test_a_payment_reads_its_rows_in_pieces_and_writes_what_it_wrote_before(estate_s: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A write's read of one unit's rows of a big part goes through the pieces (only the parts it edits
    are inflated whole, by the commit): the workbook written is the one a whole read writes — every
    register equal, row by row."""
    import datetime as dt
    from decimal import Decimal

    from propcli.ops import payments

    src = tmp_path / "src.xlsx"
    shutil.copyfile(estate_s, src)
    with Workbook(src) as wb:
        unit = str(wb.columns(schema.REMINDERS, ("unit_id",))["unit_id"][-1])  # a debtor: bills to pay
    calls: list[str] = []
    real = streamread.rows
    monkeypatch.setattr(streamread, "rows", lambda *a, **k: calls.append(a[4]) or real(*a, **k))
    written = {}
    for limit in (package.PREFETCH_LIMIT, 0):
        path = tmp_path / f"estate-{limit}.xlsx"
        shutil.copyfile(src, path)
        with monkeypatch.context() as m:
            m.setattr(package, "PREFETCH_LIMIT", limit)
            m.setattr(streamread, "PIECE", 1 << 14)
            with Workbook(path, write=True) as wb:
                payments.record(wb, unit, Decimal("123.45"), method="微信", paid_on=dt.date(2025, 1, 10))
                wb.commit("test")
        assert bool(calls) == (limit == 0)  # in pieces only when the parts are "too big"
        registers = (schema.BILLS, schema.PAYMENTS, schema.OWNERS)
        with Workbook(path) as wb:  # what the commit left in the read cache: with "too big" parts edited,
            # the shared strings were let go before the commit and read again for the rows read back
            through = {s.key: [(r.number, r.values) for r in wb.read(s).rows] for s in registers}
        shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)
        with Workbook(path) as wb:
            written[limit] = {s.key: [(r.number, r.values) for r in wb.read(s).rows] for s in registers}
        assert through == written[limit]
    assert written[0] == written[package.PREFETCH_LIMIT]
    assert any(v["amount"] == Decimal("123.45") for _, v in written[0][schema.PAYMENTS.key])


def test_a_continued_register_read_on_two_cores_is_the_register_read_on_one(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`Workbook.columns_ahead`: the continuation sheet (应收账单2) read by a forked child while this
    process goes on gives the very columns one process reads, and lands in the read cache; asked again
    for more columns, the child reading fewer is ended and another reads them all; a child that dies is
    read again here."""
    from tests.test_store_scale import continued_workbook

    path = continued_workbook(tmp_path / "c.xlsx", first=3000, second=2000)
    keys = ("unit_id", "period", "amount", "paid", "due_date", "status", ROW_NUMBER)
    monkeypatch.setattr(package, "PREFETCH_LIMIT", 0)  # every sheet read in pieces, as L's bills are
    monkeypatch.setattr(streamread, "PIECE", 1 << 14)
    monkeypatch.setattr(twocore, "MIN_BYTES", 0)

    def cold() -> None:
        shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)

    cold()
    with Workbook(path) as wb:
        alone = wb.columns(schema.BILLS, (*keys, "bill_id"))
    assert len(alone["amount"]) == 5000 and alone["amount"][-1] == 5100 and alone[ROW_NUMBER][3000] == 2
    parent = os.getpid()
    here: list[str] = []  # the sheets this process reads itself
    streamed = Workbook._streamed
    monkeypatch.setattr(Workbook, "_streamed", lambda self, spec, name, keys: (
        os.getpid() == parent and here.append(name), streamed(self, spec, name, keys))[1])
    cancelled: list[int] = []
    cancel = twocore.Forked.cancel
    monkeypatch.setattr(twocore.Forked, "cancel", lambda self: (cancelled.append(self._pid), cancel(self))[1])

    cold()
    with Workbook(path) as wb:
        wb.columns_ahead(schema.BILLS, keys)
        got = wb.columns(schema.BILLS, keys)
        assert wb.in_cache(schema.BILLS)  # the child's sheet stored as this process's is
    assert here == ["应收账单"] and got == {k: alone[k] for k in keys}

    cold()
    here.clear()
    with Workbook(path) as wb:
        wb.columns_ahead(schema.BILLS, keys)
        wb.columns_ahead(schema.BILLS, ("bill_id", *keys))  # 账单号 too, now
        assert cancelled and cancelled[-1] != 0  # the first child ended while it ran
        wb.columns_ahead(schema.BILLS, keys)  # fewer: the running child reads them already
        assert len(cancelled) == 1
        got = wb.columns(schema.BILLS, (*keys, "bill_id"))
    assert here == ["应收账单"] and got == alone

    data_of = Workbook._data_of
    monkeypatch.setattr(Workbook, "_data_of", lambda self, *a: os._exit(3) if os.getpid() != parent
                        else data_of(self, *a))  # the child dies: its sheet is read here
    cold()
    here.clear()
    with Workbook(path) as wb:
        wb.columns_ahead(schema.BILLS, keys)
        got = wb.columns(schema.BILLS, keys)
    assert here == ["应收账单", "应收账单2"] and got == {k: alone[k] for k in keys}


@pytest.mark.parametrize("give_up", [None, 3])
def test_column_pieces_are_the_columns_of_the_whole_read(estate_s: Path, tmp_path: Path, give_up: int | None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`Workbook.column_pieces`: a big register read as it is inflated, a piece of rows at a time, is the
    whole read's columns cut in pieces; and where the pieces give up half-way (`give_up`: at the 3rd, a row
    out of the usual form) the whole read gives the rows after those already given, none twice."""
    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    keys = (ROW_NUMBER, *(c.key for c in schema.BILLS.columns))
    with Workbook(path) as wb:
        whole = wb.columns(schema.BILLS, keys)
    shutil.rmtree(tmp_path / ".propcli", ignore_errors=True)
    monkeypatch.setattr(package, "PREFETCH_LIMIT", 0)  # S's parts are small: streamed as L's are
    monkeypatch.setattr(streamread, "PIECE", 4096)
    if give_up is not None:
        real = streamread.pieces

        def failing(*a, **k):  # type: ignore[no-untyped-def]
            for i, data in enumerate(real(*a, **k)):
                if i == give_up:
                    raise Unsupported("a row out of the usual form")
                yield data
        monkeypatch.setattr(streamread, "pieces", failing)
    with Workbook(path) as wb:
        pieces = list(wb.column_pieces(schema.BILLS, keys, 1000))
        held = [k for k in wb.__dict__.get("_data", {}) if k[0] == schema.BILLS.key]
        assert give_up is not None or not held  # read as inflated: nothing of it held
    assert len(pieces) >= 15 and all(len(p[ROW_NUMBER]) < 2000 for p in pieces)
    assert {k: sum((p[k] for p in pieces), []) for k in keys} == whole
    assert len(whole[ROW_NUMBER]) > 15_000
