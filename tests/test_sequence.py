"""Sequence numbers (ops.sequence) with hand-worked examples: gaps, a number deleted by hand, a
back-dated receipt of an earlier year, a remembered number above the register's; and through the command
line, numbers never issued twice across back-dated payments and undo (issue 17 §5)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.ops import sequence
from propcli.ops.sequence import BILLS, RECEIPTS, Series
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import Cli
from tests.fixtures.ledger import build, owner, rate


def estate(tmp_path: Path, receipts: list[str], last: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-101")],
                 settings={"last_receipt": last} if last else None)
    with Workbook(path, write=True) as wb:
        wb.append(wb.read(schema.PAYMENTS, required=False),
                  [{"receipt_no": r, "unit_id": "1-1-101", "paid_on": dt.date(int(r[2:6]), 3, 1), "amount": Decimal(1)}
                   for r in receipts], journal=False)
        wb.commit("test fixture")
    return path


def test_a_series_formats_parses_and_scopes() -> None:
    assert BILLS.scope("2025-01") == "202501" and BILLS.scope(dt.date(2025, 1, 31)) == "202501"
    assert RECEIPTS.scope(dt.date(2025, 1, 31)) == "2025" and RECEIPTS.scope("2025-01") == "2025"
    assert BILLS.format("202501", 1) == "ZD202501000001" and RECEIPTS.format("2025", 42) == "SJ2025000042"
    assert RECEIPTS.parse(" SJ2025000042 ") == ("2025", 42)
    assert RECEIPTS.parse("SJ20250042") is None and RECEIPTS.parse("ZD202501000001") is None
    orders = Series("GD", True, 4, schema.WORK_ORDERS, "order_no")  # what 工单号 will be: one declaration
    assert orders.format(orders.scope(dt.date(2025, 3, 9)), 7) == "GD2025030007"


def test_next_is_above_the_highest_of_the_scope_gaps_stay_gaps(tmp_path: Path) -> None:
    path = estate(tmp_path, ["SJ2025000001", "SJ2025000007", "SJ2024000950", "手写001"])
    with Workbook(path) as wb:
        assert sequence.next_number(wb, RECEIPTS, "2025") == "SJ2025000008"  # not the gap 000002
        assert sequence.next_number(wb, RECEIPTS, "2024") == "SJ2024000951"
        assert sequence.next_number(wb, RECEIPTS, "2026") == "SJ2026000001"
        assert sequence.next_numbers(wb, RECEIPTS, "2025", 3) == ["SJ2025000008", "SJ2025000009", "SJ2025000010"]
        # numbers at hand (a period's bills) instead of the register's column
        assert sequence.next_number(wb, BILLS, "202501", issued=["ZD202501000003", None, "ZD202412000009"]) \
            == "ZD202501000004"


def test_a_remembered_number_above_the_register_wins(tmp_path: Path) -> None:
    # 000012 was issued, then its row deleted by hand: 小区信息 still remembers it
    path = estate(tmp_path, ["SJ2025000010"], last="SJ2025000012")
    with Workbook(path) as wb:
        assert sequence.next_number(wb, RECEIPTS, "2025") == "SJ2025000013"
        assert sequence.next_number(wb, RECEIPTS, "2024") == "SJ2024000001"  # another year's memory is not this one's
    # and a register above the memory (a number typed by hand) wins too
    path = estate(tmp_path / "b", ["SJ2025000020"], last="SJ2025000012")
    with Workbook(path) as wb:
        assert sequence.next_number(wb, RECEIPTS, "2025") == "SJ2025000021"


@pytest.fixture
def later_year(tmp_path: Path) -> Path:
    """2026's receipts up to 000005 (remembered), 2025's up to 000124 in the register."""
    return estate(tmp_path, ["SJ2025000124", "SJ2026000005"], last="SJ2026000005")


def test_a_back_dated_receipt_keeps_both_years_memory(later_year: Path) -> None:
    with Workbook(later_year, write=True) as wb:
        back = sequence.next_number(wb, RECEIPTS, "2025")
        assert back == "SJ2025000125"
        sequence.remember(wb, RECEIPTS, back)
        wb.commit("test")
    with Workbook(later_year, write=True) as wb:
        assert wb.settings()["last_receipt"] == "SJ2026000005 SJ2025000125"
        assert sequence.next_number(wb, RECEIPTS, "2026") == "SJ2026000006"  # 2026 not forgotten
        assert sequence.next_number(wb, RECEIPTS, "2025") == "SJ2025000126"
        sequence.remember(wb, RECEIPTS, "SJ2025000003")  # lower than remembered: nothing changes
        sequence.remember(wb, RECEIPTS, "SJ2026000006")
        wb.commit("test")
    with Workbook(later_year) as wb:
        assert wb.settings()["last_receipt"] == "SJ2026000006 SJ2025000125"


def test_a_series_without_memory_reads_its_register_only(tmp_path: Path) -> None:
    path = estate(tmp_path, [])
    with Workbook(path, write=True) as wb:
        sequence.remember(wb, BILLS, "ZD202501000009")  # bills keep no memory: a no-op
        assert sequence.next_number(wb, BILLS, "202501") == "ZD202501000001"


# -- issue 17 §5: a number once issued is never issued again, per year and across undo --------------------
# Hand-worked: a new estate has no receipts, so the first of a year is 000001, the next 000002, and so on;
# an undone number stays used, so the one after it is one higher, not the same.


def receipts_of(path: Path) -> list[str]:
    with Workbook(path) as wb:
        return [str(r) for r in wb.columns(schema.PAYMENTS, ("receipt_no",))["receipt_no"] if r]


def pay(cli: Cli, path: Path, day: str | None = None, *extra: str) -> str:
    args = ["-w", path, "payments", "record", "1-1-101", "--amount", "10", *extra]
    r = cli(*args, *(("--date", day) if day else ()))
    assert r.exit_code == 0, r.stderr
    m = re.search(r"收据号 (SJ\d{10})", r.stderr)
    return m.group(1) if m else ""


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    return build(tmp_path / "estate.xlsx", owners=[owner("1-1-101"), owner("1-1-102"), owner("1-1-103")],
                 rates=[rate("物业费", "按面积", "2.50")])


def test_a_back_dated_payment_never_makes_this_years_next_number_reuse_one(cli, fresh: Path) -> None:
    assert pay(cli, fresh, "2026-03-01") == "SJ2026000001"
    assert pay(cli, fresh, "2025-12-31") == "SJ2025000001"  # back-dated: last year's own sequence
    assert pay(cli, fresh, "2026-03-02") == "SJ2026000002"  # not 000001 again
    assert pay(cli, fresh, "2025-12-30") == "SJ2025000002"
    assert pay(cli, fresh, "2024-06-30") == "SJ2024000001"
    assert pay(cli, fresh, "2026-03-03") == "SJ2026000003"
    with Workbook(fresh) as wb:
        assert wb.settings()["last_receipt"] == "SJ2026000003 SJ2025000002 SJ2024000001"
    assert sorted(receipts_of(fresh)) == ["SJ2024000001", "SJ2025000001", "SJ2025000002",
                                          "SJ2026000001", "SJ2026000002", "SJ2026000003"]
    assert json.loads(sequence.issued_path(fresh).read_text(encoding="utf-8")) == \
        {"SJ": {"2024": 1, "2025": 2, "2026": 3}}


@pytest.mark.parametrize("day", ["2026-03-01", "2025-12-31", "2024-01-01"])
def test_an_undone_receipt_number_stays_used(cli, fresh: Path, day: str) -> None:
    year = day[:4]
    assert pay(cli, fresh, day) == f"SJ{year}000001"
    assert pay(cli, fresh, day) == f"SJ{year}000002"
    assert cli("-w", fresh, "undo").exit_code == 0
    assert receipts_of(fresh) == [f"SJ{year}000001"]  # the row is gone, and 小区信息 says 000001 …
    with Workbook(fresh) as wb:
        assert wb.settings()["last_receipt"] == f"SJ{year}000001"
    assert pay(cli, fresh, day) == f"SJ{year}000003"  # … but 000002 was issued: never again
    assert cli("-w", fresh, "undo").exit_code == 0
    assert cli("-w", fresh, "undo").exit_code == 0  # 000001 undone too: an empty register
    assert receipts_of(fresh) == []
    assert pay(cli, fresh, day) == f"SJ{year}000004"


def test_undo_of_a_back_dated_payment_then_both_years_go_on(cli, fresh: Path) -> None:
    assert pay(cli, fresh, "2026-02-01") == "SJ2026000001"
    assert pay(cli, fresh, "2025-12-31") == "SJ2025000001"
    assert cli("-w", fresh, "undo").exit_code == 0  # 小区信息 back to "SJ2026000001"
    assert pay(cli, fresh, "2025-12-31") == "SJ2025000002"
    assert pay(cli, fresh, "2026-02-02") == "SJ2026000002"


def test_a_dry_run_issues_nothing(cli, fresh: Path) -> None:
    for _ in range(3):
        assert cli("-w", fresh, "payments", "record", "1-1-101", "--amount", "10", "--date", "2026-03-01",
                   "--dry-run").exit_code == 0
    assert not sequence.issued_path(fresh).exists()
    assert pay(cli, fresh, "2026-03-01") == "SJ2026000001"


def test_an_undone_billing_run_never_gives_its_bill_numbers_again(cli, fresh: Path) -> None:
    def bill_ids() -> list[str]:
        with Workbook(fresh) as wb:
            return [str(b) for b in wb.columns(schema.BILLS, ("bill_id",))["bill_id"] if b]

    assert cli("-w", fresh, "billing", "run", "--period", "2025-01").exit_code == 0
    assert bill_ids() == ["ZD202501000001", "ZD202501000002", "ZD202501000003"]  # 3 units, 物业费 each
    assert cli("-w", fresh, "undo").exit_code == 0
    assert bill_ids() == []
    assert cli("-w", fresh, "billing", "run", "--period", "2025-01").exit_code == 0
    assert bill_ids() == ["ZD202501000004", "ZD202501000005", "ZD202501000006"]
    assert cli("-w", fresh, "billing", "run", "--period", "2025-02").exit_code == 0  # another month starts at 1
    assert bill_ids()[3:] == ["ZD202502000001", "ZD202502000002", "ZD202502000003"]
    assert json.loads(sequence.issued_path(fresh).read_text(encoding="utf-8")) == \
        {"ZD": {"202501": 6, "202502": 3}}


def test_the_record_is_kept_per_workbook(cli, fresh: Path) -> None:
    other = fresh.with_name("other.xlsx")
    build(other, owners=[owner("1-1-101")])
    assert pay(cli, fresh, "2026-03-01") == "SJ2026000001"
    assert pay(cli, fresh, "2026-03-01") == "SJ2026000002"
    assert pay(cli, other, "2026-03-01") == "SJ2026000001"  # its own numbers: the other estate's are not its


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"SJ": {"2026": "x"}}', '{"SJ": 5}'])
def test_an_unreadable_record_stops_the_payment_named(cli, fresh: Path, content: str) -> None:
    import hashlib

    assert pay(cli, fresh, "2026-03-01") == "SJ2026000001"
    record = sequence.issued_path(fresh)
    record.write_text(content, encoding="utf-8")
    before = hashlib.sha256(fresh.read_bytes()).hexdigest()
    r = cli("-w", fresh, "payments", "record", "1-1-101", "--amount", "10", "--date", "2026-03-01")
    assert r.exit_code == 1 and str(record) in r.stderr and "内部错误" not in r.stderr
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == before
