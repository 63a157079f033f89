"""The arrears report, due list and public list on the shipped sample estate as of 2026-11-23: golden
files (reviewed by hand), the totals reconciled with the bills register read on its own, and the
sample's three limitation cases worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook

AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def report_json(sample_readonly) -> dict:
    from propcli.cli.app import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["-w", str(sample_readonly), "arrears", "report", "--as-of", AS_OF, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_golden_report_due_and_public_lists(cli, golden, sample_readonly):
    for name, args in (("arrears_report.csv", ("report",)), ("arrears_due.csv", ("due",)),
                       ("arrears_public.csv", ("public",))):
        result = cli("-w", sample_readonly, "arrears", *args, "--as-of", AS_OF, "-f", "csv")
        assert result.exit_code == 0, result.output
        golden(name, result.stdout)


def test_totals_reconcile_with_the_bills_register(report_json, sample_readonly):
    """What the bills register says is owed on bills due before the day (no payment in the sample is
    later than 2026-11-20), summed here without the arrears code."""
    owed = Decimal(0)
    with Workbook(sample_readonly) as wb:
        for b in wb.read(schema.BILLS).records():
            if b["status"] != "减免" and b["due_date"] < dt.date.fromisoformat(AS_OF):
                owed += b["amount"] - (b["paid"] or 0)
    assert Decimal(report_json["debtors"]["total"]["total"]) == owed
    assert sum(Decimal(d["total"]) for d in report_json["debtors"]["rows"]) == owed
    for view in ("by_building", "by_item", "by_age"):
        lines, total = report_json[view]["rows"], report_json[view]["total"]
        assert Decimal(total["total"]) == owed == sum(Decimal(x["total"]) for x in lines)


def test_the_limitation_cases(report_json):
    units = {d["unit_id"]: d for d in report_json["debtors"]["rows"]}
    # 1-2-0701 (107.012 ㎡ × 2.50 = 267.53 a month) never paid Sep–Dec 2023 and got only an SMS, which does
    # not interrupt: Sep (due 2023-10-15) and Oct (11-15) are time-barred, Nov (12-15) and Dec (2024-01-15)
    # end within 90 days; the oldest is in its 38th overdue month
    a = units["1-2-0701"]
    assert (a["total"], a["months"], a["bucket"]) == ("1070.12", 38, ">36")
    assert a["limitation"] == {"expired": "535.06", "expiring": "535.06", "first_expiry": "2026-12-15"}
    # 1-2-1201: a 催缴函 signed for on 2024-03-08 started every bill's three years again: ends 2027-03-08,
    # beyond the 90-day warning; the ladder goes on from the letter to a visit (自住)
    b = units["1-2-1201"]
    assert (b["total"], b["limitation"], b["stage"], b["next"]) == (
        "1070.12", None, {"channel": "催缴函", "date": "2024-03-08"}, "上门")
    # 4-1-0102 (84.52 ㎡: 211.30 a month) signed an instalment agreement on 2024-02-01 and did not keep it
    c = units["4-1-0102"]
    assert (c["total"], c["limitation"]) == ("845.20", {"expired": "0.00", "expiring": "845.20",
                                                        "first_expiry": "2027-02-01"})
    assert c["promise"] == {"date": "2024-06-30", "broken": True}


def test_public_list_is_three_months_and_over_with_masked_names(cli, sample_readonly):
    result = cli("-w", sample_readonly, "arrears", "public", "--as-of", AS_OF, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows and all(int(r["欠费月数"]) >= 3 for r in rows)
    assert all(r["业主"][0] != "*" and set(r["业主"][1:]) == {"*"} for r in rows)
    assert "电话" not in rows[0]
