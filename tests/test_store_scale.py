"""The store at scale: the column reader agrees with calamine, the read cache is never stale, and a
register that outgrows a sheet continues in the next one (应收账单 → 应收账单2) for every command."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from propcli.store import cache, columns, schema
from propcli.store.workbook import Workbook
from tests import xlsxdiff

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def s_copy(estate_s: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, dest)
    return dest


def _rows(table) -> list:  # type: ignore[no-untyped-def]
    return [(r.number, r.values, r.raw) for r in table.rows]


@pytest.mark.parametrize("workbook", ["sample", "rich", "s_copy"])
def test_column_reader_agrees_with_calamine(workbook: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(workbook)
    with Workbook(path) as wb:
        for spec in schema.SHEETS:
            for name in wb.sheets_of(spec):
                fast = wb._read_sheet(spec, name, None)
                slow = wb._read_calamine(spec, name, None)
                assert _rows(fast) == _rows(slow), name
                assert [(p.location, p.key, p.value) for p in fast.problems] == \
                       [(p.location, p.key, p.value) for p in slow.problems]
                assert (fast.header_row, fast.columns, fast.width, fast.last_row) == \
                       (slow.header_row, slow.columns, slow.width, slow.last_row)


def test_messy_register_reads_the_same_both_ways(tmp_path: Path) -> None:
    from tests.test_store import messy_workbook

    path = tmp_path / "messy.xlsx"
    messy_workbook(path)
    with Workbook(path) as wb:
        fast = wb._read_sheet(schema.OWNERS, "owners", None)
        slow = wb._read_calamine(schema.OWNERS, "owners", None)
    assert _rows(fast) == _rows(slow) and [r.number for r in fast.rows] == [4, 6, 7, 8]


# -- the read cache --------------------------------------------------------------------------------


def _cache_files(path: Path) -> list[Path]:
    return sorted(cache.folder(path).glob("*.pickle"))


def test_a_second_read_comes_from_the_cache(s_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workbook(s_copy) as wb:
        first = wb.read(schema.BILLS)
    assert _cache_files(s_copy)

    def no_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the sheet was read again although its cache entry is valid")

    monkeypatch.setattr("propcli.store.workbook.scan_data", no_scan)
    with Workbook(s_copy) as wb:
        again = wb.read(schema.BILLS)
    assert _rows(again) == _rows(first)


def test_the_cache_never_serves_stale_data(s_copy: Path) -> None:
    """Another program edits a cell between two reads — keeping the file's size and modification time —
    and the next read sees the new value."""
    with Workbook(s_copy) as wb:
        bills = wb.read(schema.BILLS)
        row = bills.rows[100]
        amount = row["amount"]
        summary = sum(a for a in wb.columns(schema.BILLS, ("amount",))["amount"] if a is not None)
    stat = s_copy.stat()

    # rewrite one digit of that bill's amount inside the sheet XML, as an editor would
    part = xlsxdiff.sheet_part(s_copy, "应收账单")
    parts = xlsxdiff.part_bytes(s_copy)
    old = f'<c r="G{row.number}" s="6"><v>{amount.normalize():f}</v></c>'.encode()
    assert old in parts[part]
    new_amount = amount + 1 if amount < 9 else amount - 1
    parts[part] = parts[part].replace(old, f'<c r="G{row.number}" s="6"><v>{new_amount.normalize():f}</v></c>'.encode())
    tmp = s_copy.with_suffix(".new")
    with zipfile.ZipFile(s_copy) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, parts[info.filename])
    os.replace(tmp, s_copy)
    os.utime(s_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    with Workbook(s_copy) as wb:
        assert wb.read(schema.BILLS).rows[100]["amount"] == new_amount
        assert wb.read(schema.BILLS, only=("bill_id", row["bill_id"])).rows[0]["amount"] == new_amount
        total = sum(a for a in wb.columns(schema.BILLS, ("amount",))["amount"] if a is not None)
    assert total == summary + new_amount - amount


def test_openpyxl_save_between_reads_is_seen(tmp_path: Path) -> None:
    path = continued_workbook(tmp_path / "c.xlsx")
    with Workbook(path) as wb:
        assert wb.read(schema.BILLS).rows[6]["status"] == "未缴"
        assert wb.columns(schema.BILLS, ("status",))["status"][6] == "未缴"
    other = openpyxl.load_workbook(path)
    other["应收账单2"]["J3"] = "已缴"  # same length in the file: 未缴 → 已缴
    other.save(path)
    with Workbook(path) as wb:
        assert wb.read(schema.BILLS).rows[6]["status"] == "已缴"
        assert wb.columns(schema.BILLS, ("status",))["status"][6] == "已缴"


def test_a_damaged_or_foreign_cache_entry_is_a_miss(s_copy: Path) -> None:
    with Workbook(s_copy) as wb:
        expected = _rows(wb.read(schema.PAYMENTS))
    for f in _cache_files(s_copy):
        f.write_bytes(b"\x80\x05cos\nsystem\n(S'echo pwned'\ntR.")  # a pickle that would run a command
    with Workbook(s_copy) as wb:
        assert _rows(wb.read(schema.PAYMENTS)) == expected


def test_after_a_write_the_other_sheets_stay_cached(s_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workbook(s_copy) as wb:
        wb.read(schema.BILLS)
    with Workbook(s_copy, write=True) as wb:
        owners = wb.read(schema.OWNERS, only=("unit_id", "1-1-0101"))
        wb.update(owners, owners.rows[0], {"notes": "已核实"}, key="1-1-0101")
        wb.commit("test")
    monkeypatch.setattr("propcli.store.workbook.scan_data", lambda *a, **k: pytest.fail("bills read again"))
    with Workbook(s_copy) as wb:
        assert len(wb.read(schema.BILLS).rows) > 10000


# -- continuation sheets ---------------------------------------------------------------------------


BILL_HEADERS = [c.zh for c in schema.BILLS.columns]


def _bill(n: int, unit: str = "1-1-0101") -> list[object]:
    return [f"ZD202501{n:06d}", unit, "2025-01", "物业费", None, 2.5, 100.0 + n, dt.datetime(2025, 2, 15), 0, "未缴",
            f"第{n}张"]


def continued_workbook(path: Path, first: int = 5, second: int = 3) -> Path:
    wb = openpyxl.Workbook()
    owners = wb.active
    owners.title = "业主档案"
    owners.append(["房号", "业主姓名", "建筑面积"])
    owners.append(["1-1-0101", "张三", 89.5])
    for name, numbers in (("应收账单", range(1, first + 1)), ("应收账单2", range(first + 1, first + second + 1))):
        ws = wb.create_sheet(name)
        ws.append(BILL_HEADERS)
        for n in numbers:
            ws.append(_bill(n))
    wb.create_sheet("操作日志").append([c.zh for c in schema.JOURNAL.columns])
    wb.save(path)
    return path


def test_reads_merge_the_continuation_sheets(tmp_path: Path) -> None:
    path = continued_workbook(tmp_path / "c.xlsx")
    with Workbook(path) as wb:
        assert wb.sheets_of(schema.BILLS) == ["应收账单", "应收账单2"]
        bills = wb.read(schema.BILLS)
        assert [r["bill_id"] for r in bills.rows] == [f"ZD202501{n:06d}" for n in range(1, 9)]
        assert [(r.sheet, r.number) for r in bills.rows][4:6] == [("应收账单", 6), ("应收账单2", 2)]
        one = wb.read(schema.BILLS, only=("bill_id", "ZD202501000007"))
        assert [(r.sheet, r.number) for r in one.rows] == [("应收账单2", 3)]
        assert len(wb.columns(schema.BILLS, ("amount",))["amount"]) == 8


def test_an_update_goes_to_the_sheet_holding_the_row(tmp_path: Path) -> None:
    path = continued_workbook(tmp_path / "c.xlsx")
    before = tmp_path / "before.xlsx"
    shutil.copyfile(path, before)
    with Workbook(path, write=True) as wb:
        bills = wb.read(schema.BILLS)
        row = bills.index("bill_id")["ZD202501000007"]
        wb.update(bills, row, {"paid": Decimal("107.00"), "status": "已缴"}, key="ZD202501000007")
        wb.commit("test pay")
    second = xlsxdiff.sheet_part(path, "应收账单2")
    assert xlsxdiff.changed_parts(before, path) == {second, xlsxdiff.sheet_part(path, "操作日志")}
    diff = xlsxdiff.cell_diff(xlsxdiff.part_bytes(before)[second], xlsxdiff.part_bytes(path)[second])
    assert sorted(diff) == ["I3", "J3"]
    with Workbook(path) as wb:
        row = wb.read(schema.BILLS).index("bill_id")["ZD202501000007"]
        assert (row.sheet, row["paid"], row["status"]) == ("应收账单2", Decimal("107"), "已缴")


def test_an_append_that_overflows_opens_a_new_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPCLI_SHEET_ROWS", "6")  # a header and five bills to a sheet
    path = continued_workbook(tmp_path / "c.xlsx", first=5, second=3)
    with Workbook(path, write=True) as wb:
        bills = wb.read(schema.BILLS)
        new = [dict(zip([c.key for c in schema.BILLS.columns], _bill(n))) for n in range(9, 17)]
        for record in new:
            record["due_date"] = dt.date(2025, 2, 15)
        wb.append(bills, new, key_column="bill_id")
        wb.commit("test bulk")
    with Workbook(path) as wb:
        assert wb.sheets_of(schema.BILLS) == ["应收账单", "应收账单2", "应收账单3", "应收账单4"]
        bills = wb.read(schema.BILLS)
        assert [r["bill_id"] for r in bills.rows] == [f"ZD202501{n:06d}" for n in range(1, 17)]
        assert [(r.sheet, r.number) for r in bills.rows][-9:] == [
            ("应收账单2", 4), ("应收账单2", 5), ("应收账单2", 6), *((("应收账单3", n)) for n in range(2, 7)),
            ("应收账单4", 2)]
        assert bills.rows[-1]["due_date"] == dt.date(2025, 2, 15)
    loaded = openpyxl.load_workbook(path)  # a valid package; the new sheets carry the header and formats
    ws = loaded["应收账单3"]
    assert [c.value for c in ws[1]] == BILL_HEADERS
    assert ws["H2"].is_date and ws["H2"].number_format == loaded["应收账单2"]["H3"].number_format
    assert loaded.sheetnames[-3:] == ["应收账单3", "应收账单4", "操作日志2"]  # eight journal rows did not fit either


def test_check_warns_when_a_sheet_nears_the_row_limit(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    path = continued_workbook(tmp_path / "c.xlsx", first=5, second=9)
    monkeypatch.setenv("PROPCLI_SHEET_ROWS", "12")  # 应收账单2 holds rows 1–10: 83%, fine
    assert "sheet-size" not in cli("-w", path, "check", "sheet-size").stdout
    monkeypatch.setenv("PROPCLI_SHEET_ROWS", "11")  # 91%
    result = cli("-w", path, "check", "sheet-size")
    assert result.exit_code == 3
    assert "应收账单2" in result.stdout and "91%" in result.stdout and "应收账单3" in result.stdout


def _effective(data: columns.SheetData) -> tuple:
    raws = {k: v if v is not None else data.values[k] for k, v in data.raws.items()}
    return (data.name, data.header_row, data.columns, data.width, data.last_row, data.numbers, data.values, raws,
            data.problems)


def test_a_write_leaves_the_cache_of_what_it_wrote_equal_to_a_fresh_read(s_copy: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with Workbook(s_copy) as wb:
        for spec in schema.SHEETS:
            if wb.has(spec):
                wb.read(spec)
        unit = next(r["unit_id"] for r in wb.read(schema.BILLS).rows if r["status"] == "未缴")
    assert cli("-w", s_copy, "payments", "record", unit, "--amount", "99.99", "--date", "2026-01-05").exit_code == 0
    assert cli("-w", s_copy, "owners", "update", unit, "--notes", " 已电话联系 ").exit_code == 0
    with Workbook(s_copy) as wb:
        last = max(str(p) for p in wb.columns(schema.BILLS, ("period",))["period"] if p)
    month = f"{int(last[:4]) + int(last[5:]) // 12}-{int(last[5:]) % 12 + 1:02d}"  # the month after the last billed
    billed = cli("-w", s_copy, "billing", "run", "--period", month, "--yes")  # rows appended, read back in one pass
    assert billed.exit_code == 0 and "新出账单" in billed.output, billed.output
    written = 0
    with Workbook(s_copy) as wb:
        for spec in schema.SHEETS:
            for name in wb.sheets_of(spec):
                key = wb._cache_key(spec, name)
                cached = cache.load(s_copy, key)
                if cached is None:
                    continue
                keys = None if cached.complete else tuple(cached.values)
                fresh = columns.scan_data(wb._scan(name), spec, name, wb.name, keys)
                assert _effective(cached) == _effective(fresh), name
                written += name in ("应收账单", "收款记录", "业主档案")
    assert written == 3  # the sheets the payment and the update changed were cached by the writes


def test_payments_one_after_another_keep_the_cache_as_deltas(s_copy: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Each payment stores 应收账单 as what changed since the entry it read (a few hundred bytes, not the
    register); after a chain of them the entry loads equal to a fresh read, and once its base is gone
    it is a miss, never a register missing rows."""
    with Workbook(s_copy) as wb:
        wb.read(schema.BILLS)
        bills = wb.read(schema.BILLS).rows
        units = list(dict.fromkeys(str(r["unit_id"]) for r in bills if r["status"] == "未缴"))[:3]
    whole = {f.name: f.stat().st_size for f in _cache_files(s_copy)}
    for i, unit in enumerate(units):
        assert cli("-w", s_copy, "payments", "record", unit, "--amount", "50", "--date", f"2026-01-0{i + 1}").exit_code == 0
    with Workbook(s_copy) as wb:
        key = wb._cache_key(schema.BILLS, "应收账单")
        entry = cache.folder(s_copy) / f"{key}.pickle"
        assert entry.stat().st_size < max(whole.values()) / 50  # a delta, not the 20,000 bills again
        cached = cache.load(s_copy, key)
        assert cached is not None and cached.delta_depth == 3
        fresh = columns.scan_data(wb._scan("应收账单"), schema.BILLS, "应收账单", wb.name)
        assert _effective(cached) == _effective(fresh)
    for name in whole:  # the whole entry the chain starts from
        (cache.folder(s_copy) / name).unlink(missing_ok=True)
    assert cache.load(s_copy, key) is None


def test_payment_notices_show_the_bills_of_every_sheet(tmp_path: Path) -> None:
    from propcli.ops import notices

    path = continued_workbook(tmp_path / "c.xlsx")
    with Workbook(path) as wb:
        homes = notices.households(wb, notices.Scope(None, ()))
        bills = notices._bills(wb, "2025-01", homes)
    assert [b["bill_id"] for b in bills] == [f"ZD202501{n:06d}" for n in range(1, 9)]
    assert [b["detail"] for b in bills] == [f"第{n}张" for n in range(1, 9)]
    assert sum(b["amount"] for b in bills) == Decimal("836.00")  # 101 + 102 + … + 108
