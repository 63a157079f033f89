"""The one-pass row reader (`SheetScan.by_rows`, issue 15) gives exactly what the reader before it gave,
the column-by-column search (`SheetScan.column`), cell by cell and type by type — on the shipped sample,
the richer test workbook, the bench's S estate and every xlsx in ../shared/realdata. Identifiers stay
text. (That the reader in use equals calamine is test_store_scale's `test_column_reader_agrees_with_calamine`.)

The M and L estates are compared by the bench (`bench/run.py`, "reader equality")."""

from __future__ import annotations

from pathlib import Path

import pytest

from propcli.store import columns, schema
from propcli.store.fastread import SheetScan
from propcli.store.package import Package
from propcli.store.workbook import Workbook
from tests.conftest import REALDATA
from tests.test_realdata import _files

REAL_XLSX = [p for p in _files(REALDATA) if p.suffix.lower() == ".xlsx"] if REALDATA.is_dir() else []


def _column_by_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader as it was: no one-pass row read, so every column is searched on its own."""
    monkeypatch.setattr(SheetScan, "by_rows", lambda self, wanted, ncols, *typing: None)


def _one_pass_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass row read whenever the form allows, whatever the number of columns or blank rows."""
    monkeypatch.setattr(columns, "ROW_PASS_COLUMNS", 1)
    monkeypatch.setattr(SheetScan, "dense", lambda self, ncols: True)


def _data(wb: Workbook, spec: schema.Sheet, name: str, keys: tuple[str, ...] | None) -> columns.SheetData:
    return columns.scan_data(wb._scan(name), spec, name, wb.name, keys)


def _same(a: columns.SheetData, b: columns.SheetData) -> None:
    assert (a.header_row, a.columns, a.width, a.last_row, a.complete) == \
           (b.header_row, b.columns, b.width, b.last_row, b.complete)
    assert a.numbers == b.numbers
    for key in b.values:
        typed_a, typed_b = a.values[key], b.values[key]
        assert [(v, type(v)) for v in typed_a] == [(v, type(v)) for v in typed_b], key  # 1201 ≠ 1201.0 ≠ '1201'
        raws_a = a.raws[key] if a.raws[key] is not None else typed_a
        raws_b = b.raws[key] if b.raws[key] is not None else typed_b
        assert [(v, type(v)) for v in raws_a] == [(v, type(v)) for v in raws_b], key
    assert a.problems == b.problems


# A report's own columns (the arrears report's) as well as the whole register.
KEYS = {schema.BILLS.key: [None, ("unit_id", "period", "item", "amount", "paid", "status", "due_date")]}


@pytest.mark.parametrize("workbook", ["sample_readonly", "rich", "estate_s"])
def test_row_reader_equals_the_column_reader(workbook: str, request: pytest.FixtureRequest,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = request.getfixturevalue(workbook)
    monkeypatch.setattr("propcli.store.fastread._SLICE", 4096)  # many slices: rows cut anywhere in between
    _one_pass_always(monkeypatch)
    compared = 0
    with Workbook(path) as wb:
        for spec in schema.SHEETS:
            for name in wb.sheets_of(spec):
                scan = wb._scan(name)
                head = columns.header_of(scan, spec, name, wb.name)
                if head is None:
                    continue
                ncols = max([head[3], scan.dimension_cols, *(i + 1 for i in head[1].values())])
                assert scan.by_rows(list(range(ncols)), ncols) is not None, f"{name}: not read in one pass"
                for keys in KEYS.get(spec.key, [None]):
                    fast = _data(wb, spec, name, keys)
                    with monkeypatch.context() as m:
                        _column_by_column(m)
                        slow = _data(wb, spec, name, keys)
                    _same(fast, slow)
                    compared += len(fast.numbers) * len(fast.values)
    assert compared > 0


def _grid_by_rows(scan: SheetScan) -> dict[tuple[int, int], object] | None:
    ncols = max(scan.dimension_cols, 1)
    found = scan.by_rows(list(range(ncols)), ncols)
    if found is None:
        return None
    rows, cells = found
    return {(r, c): scan.value_of(cell) for c, col in cells.items() for r, cell in zip(rows, col)
            if scan.value_of(cell) != ""}


def _grid_by_columns(scan: SheetScan) -> dict[tuple[int, int], object]:
    ncols = max(scan.dimension_cols, 1)
    return {(int(r), c): v for c in range(ncols) for r, rest in scan.column(c)
            if (v := scan.value_of(rest)) != ""}


@pytest.mark.skipif(not REAL_XLSX, reason="../shared/realdata is not there")
@pytest.mark.parametrize("path", REAL_XLSX, ids=lambda p: p.name)
def test_row_reader_on_real_files_equals_the_column_reader(path: Path) -> None:
    """Every cell of every sheet of a real file, read in one pass over its rows, equals the same cell
    read column by column; a file in another form is read column by column, as before."""
    from propcli.store.fastread import SharedStrings

    pkg = Package(path)
    try:
        part = pkg.shared_strings_part
        strings = SharedStrings(pkg.read(part) if part and part in pkg.infos else None)
        for sheet in pkg.sheets:
            scan = SheetScan(pkg.read(sheet.part), strings, pkg.date_styles())
            fast = _grid_by_rows(scan)
            if fast is None:
                continue
            slow = _grid_by_columns(scan)
            assert {k: (v, type(v)) for k, v in fast.items()} == {k: (v, type(v)) for k, v in slow.items()}, \
                sheet.name
    finally:
        pkg.close()


def test_a_row_out_of_the_usual_form_is_read_column_by_column() -> None:
    """A cell out of column order, spaces between cells, or a cell past the sheet's width: the one-pass
    read declines (None), so the column search — which copes — reads the sheet."""
    def scan(rows: bytes) -> SheetScan:
        return SheetScan(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>", None, set())

    usual = b'<row r="1"><c r="A1" t="inlineStr"><is><t>0012</t></is></c><c r="B1"><v>3</v></c></row>'
    rows, cells = scan(usual).by_rows([0, 1], 2)  # type: ignore[misc]
    assert rows == [1] and scan(usual).value_of(cells[0][0]) == "0012"  # text stays text
    assert scan(b'<row r="1"><c r="B1"><v>3</v></c><c r="A1"><v>1</v></c></row>').by_rows([0, 1], 2) is None
    assert scan(b'<row r="1">\n  <c r="A1"><v>1</v></c>\n</row>').by_rows([0], 2) is None
    assert scan(b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>1</v></c></row>').by_rows([0], 2) is None
    assert scan(b'<row><c r="A1"><v>1</v></c></row>').by_rows([0], 1) is None
    assert scan(b'<row r="1"><c r="A2"><v>1</v></c></row>').by_rows([0], 1) is None
    blank = scan(b'<row r="1"><c r="B1"><v>3</v></c></row><row r="2"/>').by_rows([0, 1], 2)
    assert blank == ([1, 2], {0: [b"", b""], 1: [b"><v>3</v></c>", b""]})


def test_parts_inflated_ahead_are_the_parts_read(sample_readonly: Path, tmp_path: Path) -> None:
    """`Package.prefetch` inflates on a second thread what `read` would: the same bytes; a member whose
    stored bytes are damaged is the same PackageError when it is read, not an error on the thread."""
    import shutil
    import zipfile

    from propcli.store.package import PackageError

    plain, ahead = Package(sample_readonly), Package(sample_readonly)
    try:
        parts = [s.part for s in plain.sheets]
        ahead.prefetch(parts[::-1])
        assert all(ahead.read(p) == plain.read(p) for p in parts)
    finally:
        plain.close()
        ahead.close()
    damaged = tmp_path / "damaged.xlsx"
    shutil.copyfile(sample_readonly, damaged)
    with zipfile.ZipFile(damaged) as z:
        info = max(z.infolist(), key=lambda i: i.compress_size)
    with open(damaged, "r+b") as f:  # one byte in the middle of the biggest member's stored data
        f.seek(info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    pkg = Package(damaged)
    try:
        pkg.prefetch([info.filename])
        with pytest.raises(PackageError, match=info.filename):
            pkg.read(info.filename)
    finally:
        pkg.close()


def test_one_unit_read_through_a_report_cache_equals_the_column_search(estate_s: Path, tmp_path: Path) -> None:
    """`read(only=(房号, unit))` of a register a report has cached (its 房号 among the columns) takes the
    rows the cache names, then reads just those: the same rows, values and problems as the column search."""
    import shutil

    from propcli.store import cache

    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    registers = (schema.BILLS, schema.PAYMENTS, schema.READINGS, schema.REMINDERS)
    with Workbook(path) as wb:
        unit = str(wb.columns(schema.REMINDERS, ("unit_id",))["unit_id"][-1])  # a debtor: rows in all four
        searched = {s.key: wb.read(s, only=("unit_id", unit)) for s in registers}
        for spec in registers:
            wb.columns(spec, ("unit_id", "amount") if spec is schema.BILLS else ("unit_id",))
    assert len(list(cache.folder(path).glob("*.pickle"))) >= len(registers)
    with Workbook(path) as wb:
        wb._scan = _no_column_search(wb._scan)  # type: ignore[method-assign]
        for spec in registers:
            got = wb.read(spec, only=("unit_id", unit))
            want = searched[spec.key]
            assert got.rows and [(r.number, r.values, r.raw) for r in got.rows] == \
                   [(r.number, r.values, r.raw) for r in want.rows], spec.key
            assert (got.header_row, got.columns, got.last_row, got.partial) == \
                   (want.header_row, want.columns, want.last_row, want.partial)


def test_one_unit_read_searches_for_its_cells_not_the_column(estate_s: Path, tmp_path: Path) -> None:
    """The first `read(only=(房号, unit))` of a cold workbook finds the unit's rows by searching for the cells
    that can hold it (`unitsearch`), without reading the 房号 column, and gives what the column search
    gives, row by row, for a debtor and for a unit with no bills."""
    import shutil

    from propcli.store import cache, unitsearch

    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    registers = (schema.BILLS, schema.PAYMENTS, schema.READINGS, schema.REMINDERS, schema.OWNERS)
    with Workbook(path) as wb:
        units = [str(wb.columns(schema.REMINDERS, ("unit_id",))["unit_id"][-1]), "99-9-9999"]
    for f in cache.folder(path).glob("*.pickle"):
        f.unlink()
    for unit in units:
        with pytest.MonkeyPatch.context() as m, Workbook(path) as wb:
            m.setattr(columns, "searched", lambda *a: False)  # the column search, as before
            wanted = {s.key: columns.scan_only(wb._scan(s.zh), s, s.zh, wb.name, "unit_id", unit) for s in registers}
        with pytest.MonkeyPatch.context() as m, Workbook(path) as wb:
            m.setattr(unitsearch, "HITS_MIN", 10**9)  # 业主档案's inline strings too: searched cell by cell
            wb._scan = _no_column_search(wb._scan)  # type: ignore[method-assign]
            for spec in registers:
                got, want = wb.read(spec, only=("unit_id", unit)), wanted[spec.key]
                assert bool(got.rows) == (unit == units[0]), spec.key
                assert [(r.number, r.values, r.raw) for r in got.rows] == \
                       [(r.number, r.values, r.raw) for r in want.rows], spec.key
                assert (got.header_row, got.columns, got.partial) == (want.header_row, want.columns, want.partial)


def _no_column_search(scan):  # type: ignore[no-untyped-def]
    def wrapped(name: str) -> SheetScan:
        s = scan(name)
        s.column = lambda col: pytest.fail(f"{name}: searched column {col}")  # type: ignore[method-assign]
        return s

    return wrapped


@pytest.mark.parametrize("kind", ["row style", "two styled empty cells"])
def test_formatted_blank_rows_read_the_same_both_ways(kind: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Formatted blank rows below the owners (a clerk who formats whole columns): the one-pass read and the
    column search give the same three owners; left to choose, the reader searches column by column there
    (the rows are not dense)."""
    from tests.fixtures.badfiles import part_of, rewrite
    from tests.fixtures.ledger import build, owner
    from tests.test_scale_formatted_rows import _blank_rows

    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-0101"), owner("0012", name="李四"),
                                                    owner("1-1-0103", name="王五")])
    rows = _blank_rows(kind, 5, 3000)
    rewrite(path, {part_of(path, "业主档案"): lambda b: b.replace(b"</sheetData>", rows + b"</sheetData>")})
    with Workbook(path) as wb:
        name = wb.sheet_name(schema.OWNERS) or ""
        scan = wb._scan(name)
        assert not scan.dense(15)
        chosen = _data(wb, schema.OWNERS, name, None)
        with monkeypatch.context() as m:
            _one_pass_always(m)
            fast = _data(wb, schema.OWNERS, name, None)
    _same(fast, chosen)
    assert chosen.values["unit_id"] == ["1-1-0101", "0012", "1-1-0103"]  # 0012 stays text


def test_a_read_of_a_member_leaves_the_files_position_where_it_was(sample_readonly: Path, tmp_path: Path) -> None:
    """A child forked to read (`twocore`) shares the zip file's position with this process: every read of
    stored bytes is at its offset, never a seek, so neither moves the other's — deflated or stored members."""
    import zipfile

    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(sample_readonly) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    for path in (sample_readonly, stored):
        plain, pkg = zipfile.ZipFile(path), Package(path)
        try:
            fp = pkg._zip.fp
            assert fp is not None
            for s in pkg.sheets:
                fp.seek(7)
                assert pkg.read(s.part) == plain.read(s.part) and len(pkg.raw(s.part)) == plain.getinfo(s.part).compress_size
                assert fp.tell() == 7
        finally:
            plain.close()
            pkg.close()


def test_a_forked_child_reads_what_the_inflating_thread_was_given_and_the_parent_keeps_its_thread(
        sample_readonly: Path) -> None:
    """A child forked while members wait for the inflating thread (which the child does not have) inflates
    them itself when it reads them; the process that opened the package keeps its thread and its queue."""
    import os
    import signal

    from propcli.store import twocore

    pkg = Package(sample_readonly)
    try:
        parts = [s.part for s in pkg.sheets]
        expected = {p: pkg.read(p) for p in parts}
        pkg.forget_inflated()
        pkg.prefetch(parts)
        pool = pkg._pool
        assert pool is not None and pkg._queue

        def in_child() -> tuple[list[bool], int]:
            signal.alarm(30)  # a read left waiting for a thread the child lacks: the child dies, not the suite
            return [pkg.read(p) == expected[p] for p in parts], os.getpid()

        try:
            same, pid = twocore.Forked(in_child).result()  # a dead child's work is redone here: this pid
        finally:
            signal.alarm(0)
        assert pid != os.getpid() and same == [True] * len(parts)
        assert all(pkg.read(p) == expected[p] for p in parts)
        assert pkg._pool is pool  # the parent read through its own thread, which it kept
    finally:
        pkg.close()
