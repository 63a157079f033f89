"""The sample estate's two years of history hold together to the cent: every bill's 已收 is what the
payments' 分配 say it received, every payment's 分配 adds up to its amount, and the bills are exactly
what propcli's billing rules give (so `billing run` on a past month creates nothing)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.domain.allocation import PREPAID, parse_allocations
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import SAMPLE


@pytest.fixture(scope="module", autouse=True)
def _read_a_copy(sample_readonly: Path) -> Iterator[None]:
    """The tests here only read SAMPLE: point it at the session's copy, so that propcli's `.propcli/`
    cache lands beside the copy and never in sample_data/."""
    global SAMPLE
    SAMPLE, shipped = sample_readonly, SAMPLE
    yield
    SAMPLE = shipped


@pytest.fixture(scope="module")
def ledger(_read_a_copy: None) -> dict[str, list[dict]]:
    with Workbook(SAMPLE) as wb:
        return {s.key: wb.read(s).records() for s in (schema.BILLS, schema.PAYMENTS, schema.READINGS,
                                                      schema.REMINDERS)}


def test_every_cent_is_accounted_for(ledger):
    received: dict[str, Decimal] = defaultdict(Decimal)
    for p in ledger["payments"]:
        allocations = parse_allocations(p["allocations"])
        assert sum(a.amount for a in allocations) == p["amount"], p["receipt_no"]
        if p["voided"]:
            continue
        for a in allocations:
            if a.target != PREPAID:
                received[a.target] += a.amount
    for b in ledger["bills"]:
        assert b["paid"] == received.get(b["bill_id"], 0), b["bill_id"]
        assert b["status"] == ("已缴" if b["paid"] == b["amount"] else "未缴" if b["paid"] == 0 else "部分")


def test_the_history_holds_what_the_sample_promises(ledger):
    marks = {r["replacement"] for r in ledger["readings"] if r["replacement"]}
    assert "翻转" in marks and any("/" in m for m in marks)
    assert sum(1 for p in ledger["payments"] if p["voided"]) == 1
    assert any(r["channel"] == "催缴函" and r["tracking_no"] for r in ledger["reminders"])
    # two years of months, and September–December 2023 owed from before the workbook (3 units' 物业费)
    assert {b["period"] for b in ledger["bills"]} == {f"{y}-{m:02d}" for y, m in
                                                      [(2023, m) for m in range(9, 13)] + [(2024, 11), (2024, 12)]
                                                      + [(2025, m) for m in range(1, 13)]
                                                      + [(2026, m) for m in range(1, 11)]}
    legacy = [b for b in ledger["bills"] if b["period"] < "2024"]
    assert len(legacy) == 12 and {b["item"] for b in legacy} == {"物业费"} and len({b["unit_id"] for b in legacy}) == 3
    unpaid_months: dict[str, set[str]] = defaultdict(set)
    for b in ledger["bills"]:
        if b["status"] != "已缴":
            unpaid_months[b["unit_id"]].add(b["period"])
    assert max(len(v) for v in unpaid_months.values()) == 24  # someone has paid nothing for two years
    assert sum(1 for v in unpaid_months.values() if len(v) >= 12) >= 10  # and several are a year behind


def test_bills_are_what_the_rules_give(cli, sample):
    assert cli("-w", sample, "check", "billing").exit_code == 0
    result = cli("-w", sample, "billing", "run", "--period", "2026-10")
    assert "2026-10 已出账（1371 张），没有新账单" in result.output
