"""Sequence numbers (ops.sequence) with hand-worked examples: gaps, a number deleted by hand, a
back-dated receipt of an earlier year, a remembered number above the register's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.ops import sequence
from propcli.ops.sequence import BILLS, RECEIPTS, Series
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.fixtures.ledger import build, owner


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
