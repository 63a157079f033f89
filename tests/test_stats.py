"""Monthly statistics (issue 13): a hand-built estate whose every figure is computed by hand below, the
sample's 2026-10 report reconciled with `bills summary` and `arrears report` to the cent, the JSON keys,
the drill-downs, reproducibility, and bad input refused with the workbook untouched.

The hand-built estate (物业费 2.50 元/㎡·月, bills due on the 15th of the next month):

| unit    | 楼栋 | ㎡  | a month | what happens                                                                 |
|---------|------|-----|---------|------------------------------------------------------------------------------|
| 1-1-101 | 1    | 100 | 250.00  | A: 02-10 pays 1000 (Jan, Feb, 预存 500 → March and April bills take 250 each); |
|         |      |     |         |    03-15 pays 100 more (预存: a prepayment received in March)                 |
| 1-1-102 | 1    |  80 | 200.00  | B: 01-25 pays Jan; 03-20 pays 300 (Feb 200, March 100: a part payment);       |
|         |      |     |         |    04-25 pays March's last 100 (after the as-of day)                          |
| 1-1-201 | 1    |  40 | 100.00  | E: 02-05 pays Jan and Feb; 03-12 pays 40 to March; March waived (减免 60.00)  |
| 2-1-101 | 2    | 120 | 300.00  | C: 03-10 pays 450 (Jan 300: old arrears recovered; Feb 150); 03-28 pays 100   |
|         |      |     |         |    to March, voided 03-29 (重复收款)                                            |
| 2-1-102 | 2    |  60 | 150.00  | D: sold 03-05 (过户) by 赵六, Jan and Feb unpaid stay his; the new owner pays   |
|         |      |     |         |    March (150, naming its bill) on 03-25                                      |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from propcli.domain import kpi
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import Cli, fresh_copy, pinned
from tests.fixtures.ledger import build, owner, rate


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bill_of(path: Path, unit: str, period: str) -> str:
    with Workbook(path) as wb:
        return next(str(r.values["bill_id"]) for r in wb.read(schema.BILLS).rows
                    if r.values["unit_id"] == unit and r.values["period"] == period)


@pytest.fixture(scope="session")
def _stats_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pinned():
        cli = Cli()
        path = build(tmp_path_factory.mktemp("stats") / "estate.xlsx",
                     owners=[owner("1-1-101", "100", name="王小明"), owner("1-1-102", "80", name="李四"),
                             owner("1-1-201", "40", name="周五"), owner("2-1-101", "120", name="孙七"),
                             owner("2-1-102", "60", name="赵六")],
                     rates=[rate("物业费", "按面积", "2.50")])

        def ok(*args: str) -> None:
            result = cli("-w", path, *args)
            assert result.exit_code == 0, result.output

        def pay(unit: str, amount: str, day: str, method: str, *more: str) -> None:
            ok("payments", "record", unit, "--amount", amount, "--method", method, "--date", day, *more)

        ok("billing", "run", "--period", "2025-01")
        ok("billing", "run", "--period", "2025-02")
        pay("1-1-102", "200", "2025-01-25", "现金")
        pay("1-1-201", "200", "2025-02-05", "微信")
        pay("1-1-101", "1000", "2025-02-10", "微信")  # SJ2025000003: Jan, Feb, 预存 500
        ok("billing", "run", "--period", "2025-03")  # A's March bill takes 250 of the 预存
        ok("owners", "transfer", "2-1-102", "--to", "钱八", "--date", "2025-03-05")
        pay("2-1-101", "450", "2025-03-10", "支付宝")
        pay("1-1-201", "40", "2025-03-12", "微信")
        pay("1-1-101", "100", "2025-03-15", "微信")
        pay("1-1-102", "300", "2025-03-20", "现金")
        pay("2-1-102", "150", "2025-03-25", "银行转账", "--bills", bill_of(path, "2-1-102", "2025-03"))  # the new owner's
        pay("2-1-101", "100", "2025-03-28", "现金", "--bills", bill_of(path, "2-1-101", "2025-03"))  # SJ2025000009
        ok("payments", "void", "SJ2025000009", "--reason", "重复收款", "--date", "2025-03-29")
        ok("bills", "waive", bill_of(path, "1-1-201", "2025-03"), "--reason", "困难户", "--date", "2025-04-02")
        ok("billing", "run", "--period", "2025-04")  # A's April bill takes 250 more of the 预存
        pay("1-1-102", "100", "2025-04-25", "现金")
    return path


@pytest.fixture
def estate(_stats_master: Path, tmp_path: Path) -> Path:
    return fresh_copy(_stats_master, tmp_path / "estate.xlsx")


def stats(cli, path: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = cli("-w", path, "stats", "monthly", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_figure_of_the_hand_built_month(cli, estate):
    data = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-04-20")
    # March bills: A 250 (paid by the 预存 of 02-10), B 200 (100 paid 03-20; the 04-25 100 is after the
    # as-of day), E 100 waived after 40 paid → billed 40, C 300 (its 100 of 03-28 voided 03-29 → 0),
    # D 150 (paid by the new owner). 应收 = 250 + 200 + 40 + 300 + 150 = 940.00; 实收 = 250 + 100 + 40 + 0
    # + 150 = 540.00; 收费率 = 540/940 = 0.574468… → 0.5745.
    assert (data["billed"], data["waived"], data["collected"], data["collection_rate"]) == (
        "940.00", "60.00", "540.00", "0.5745")
    # households billed 5; paid up: A, E (40 of 40), D → 3/5 = 0.6000
    assert (data["households_billed"], data["households_paid"], data["household_rate"]) == (5, 3, "0.6000")
    # overdue on 03-01 (due before it): January's bills (due 02-15); owed at the close of 02-28: C 300,
    # D 150 (A, B, E paid January before) → 450.00. Recovered in March: C's 300 on 03-10 → 300/450 = 0.6667
    assert (data["arrears_at_start"], data["arrears_recovered"], data["recovery_rate"]) == ("450.00", "300.00", "0.6667")
    # 预收 in March: A's 100 of 03-15 (all 预存). 预存 on 03-31: that 100 + the 250 of A's 02-10 payment the
    # April bill took later (money held on 03-31 for a period after March) → 350.00
    assert (data["prepaid_received"], data["prepaid_balance"]) == ("100.00", "350.00")
    # arrears on 03-31 (the arrears report's own computation): C's Feb 300 − 150 = 150; D's Jan and Feb
    # 150 + 150 = 300 (the former owner's) → 450.00 in two debtors
    assert (data["arrears_at_end"], data["debtors_at_end"]) == ("450.00", 2)
    assert [(d["unit_id"], d["owner"]["transfer_date"], d["total"]) for d in data["top_debtors"]["rows"]] == [
        ("2-1-102", "2025-03-05", "300.00"), ("2-1-101", None, "150.00")]
    assert data["target"] == "0.9500"


def test_by_building_item_and_method(cli, estate):
    data = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-04-20")
    b1, b2 = data["by_building"]
    # 楼 1: A 250 + B 200 + E 40 = 490 billed, 250 + 100 + 40 = 390 collected → 0.795918… → 0.7959;
    # paid up A, E of 3 → 0.6667; nothing overdue on 03-01 → 清缴率 null ("—"); 预收 100, 预存 350 (A's)
    assert (b1["name"], b1["billed"], b1["collected"], b1["collection_rate"], b1["household_rate"]) == (
        "1", "490.00", "390.00", "0.7959", "0.6667")
    assert (b1["arrears_at_start"], b1["recovery_rate"], b1["prepaid_received"], b1["prepaid_balance"]) == (
        "0.00", None, "100.00", "350.00")
    # 楼 2: C 300 + D 150 = 450 billed, 150 collected → 0.3333; D paid up of 2 → 0.5000; 450 owed on
    # 03-01, 300 recovered → 0.6667
    assert (b2["name"], b2["billed"], b2["collected"], b2["collection_rate"], b2["household_rate"],
            b2["recovery_rate"]) == ("2", "450.00", "150.00", "0.3333", "0.5000", "0.6667")
    assert [(i["name"], i["billed"], i["collected"]) for i in data["by_item"]] == [("物业费", "940.00", "540.00")]
    methods = {r["method"]: r for r in data["by_method"]["rows"]}
    # received in March and not voided by 03-31: 微信 A 100 (预收) + E 40 (March); 现金 B 300 (Feb 200 =
    # arrears of an earlier period, March 100); 支付宝 C 450 (Jan 300 + Feb 150: earlier periods); 银行转账
    # D 150 (March). C's 100 of 03-28 was voided on 03-29: not counted.
    assert {m: (r["receipts"], r["amount"], r["current"], r["arrears"], r["advance"]) for m, r in methods.items()} == {
        "微信": (2, "140.00", "40.00", "0.00", "100.00"), "现金": (1, "300.00", "100.00", "200.00", "0.00"),
        "支付宝": (1, "450.00", "0.00", "450.00", "0.00"), "银行转账": (1, "150.00", "150.00", "0.00", "0.00")}
    assert data["by_method"]["total"]["amount"] == "1040.00"


def test_a_past_as_of_day_sees_what_was_true_then(cli, estate):
    # on 03-28 C's 100 to March was not voided yet: 实收 540 + 100 = 640.00 (640/940 = 0.680851 → 0.6809);
    # B's 04-25 payment is ignored either way; recovered by 03-28 the same 300
    then = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-03-28")
    assert (then["collected"], then["collection_rate"], then["arrears_recovered"]) == ("640.00", "0.6809", "300.00")
    # after B's 04-25 payment: B paid up too → 实收 640.00, 4 of 5 households
    later = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-05-01")
    assert (later["collected"], later["households_paid"], later["household_rate"]) == ("640.00", 4, "0.8000")


def test_comparisons_and_trend(cli, estate):
    data = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-04-20")
    rows = {r["key"]: r for r in data["compare"]["rows"]}
    # 环比: February as of 03-20 (the same distance from its end): billed 250 + 200 + 100 + 300 + 150 =
    # 1000; paid by 03-20: A 250, B 200 (03-20), E 100, C 150 (03-10), D 0 → 700 → 0.7000; paid up A, B, E
    prev = rows["previous_month"]
    assert (prev["period"], prev["as_of"], prev["billed"], prev["collected"], prev["collection_rate"],
            prev["households_paid"]) == ("2025-02", "2025-03-20", "1000.00", "700.00", "0.7000", 3)
    # 同比: nothing billed in 2024-03 → rates null, not 0
    ago = rows["year_ago"]
    assert (ago["period"], ago["billed"], ago["collection_rate"], ago["recovery_rate"]) == ("2024-03", "0.00", None, None)
    # 本年累计 (January to March, as of 04-20): January 250 + 200 + 100 + 300 + 150 = 1000 billed, paid A 250,
    # B 200, E 100 and C 300 (03-10), D nothing → 850; February 1000 billed, 250 + 200 + 100 + 150 = 700
    # paid; March 940 / 540 → 2940 billed, 2090 collected → 0.710884… → 0.7109; households 户次: January
    # 4 of 5, February 3 of 5, March 3 of 5 → 10/15 = 0.6667. 清缴率 over the year: owed on 01-01 nothing
    # (no bill was due before) → null
    ytd = rows["year_to_date"]
    assert (ytd["billed"], ytd["collected"], ytd["collection_rate"]) == ("2940.00", "2090.00", "0.7109")
    assert (ytd["households_billed"], ytd["households_paid"], ytd["household_rate"]) == (15, 10, "0.6667")
    assert (ytd["arrears_at_start"], ytd["recovery_rate"]) == ("0.00", None)
    assert [t["period"] for t in data["trend"]["rows"]][-3:] == ["2025-01", "2025-02", "2025-03"]
    # the row keys are for tools: JSON has them (above), the page a person reads does not
    page = cli("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20", "-f", "html").stdout
    assert "上月（环比）" in page and "previous_month" not in page and "代码" not in page


def test_explain_lists_the_rows(cli, estate):
    result = cli("-w", estate, "stats", "explain", "户收费率", "--period", "2025-03", "--as-of", "2025-04-20", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["household_rate_units"]["rows"]
    assert {r["unit_id"]: r["counted"] for r in rows} == {
        "1-1-101": "✓", "1-1-102": "✗", "1-1-201": "✓", "2-1-101": "✗", "2-1-102": "✓"}
    result = cli("-w", estate, "stats", "explain", "recovery_rate", "--period", "2025-03", "--as-of", "2025-04-20",
                 "-f", "json")
    data = json.loads(result.stdout)
    assert [(r["unit_id"], r["period"], r["at_start"], r["recovered"]) for r in data["recovery_rate_bills"]["rows"]] == [
        ("2-1-101", "2025-01", "300.00", "300.00"), ("2-1-102", "2025-01", "150.00", "0.00")]
    text = cli("-w", estate, "stats", "explain", "收费率", "--period", "2025-03", "--as-of", "2025-04-20").stdout
    assert "收费率 = 540.00 / 940.00 = 57.45%" in text
    # the payments behind 实收: A's 250 of 02-10 (its 预存), E 40, B 100, D 150 — not C's voided 100, not B's
    # 100 of 04-25 (after the as-of day): 250 + 40 + 100 + 150 = 540
    data = json.loads(cli("-w", estate, "stats", "explain", "collection_rate", "--period", "2025-03", "--as-of",
                          "2025-04-20", "-f", "json").stdout)
    assert [(r["receipt_no"], r["amount"]) for r in data["collection_rate_payments"]["rows"]] == [
        ("SJ2025000003", "250.00"), ("SJ2025000005", "40.00"), ("SJ2025000007", "100.00"), ("SJ2025000008", "150.00")]
    bad = cli("-w", estate, "stats", "explain", "完成率x", "--period", "2025-03", "--as-of", "2025-04-20")
    assert bad.exit_code == 1 and "collection_rate" in bad.output


def test_the_xlsx_carries_the_drill_downs_and_is_reproducible(cli, estate, tmp_path):
    import openpyxl

    out = tmp_path / "report.xlsx"
    args = ("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20")
    memo = estate.parent / ".propcli" / "cache"
    assert cli(*args, "-o", out).exit_code == 0
    first = out.read_bytes()
    assert len(list(memo.glob("out-*.bin"))) == 1  # remembered for the same question on the same bytes
    for path in memo.glob("out-*.bin"):
        path.unlink()
    assert cli(*args, "-o", out).exit_code == 0
    assert out.read_bytes() == first  # computed again: same period and as-of day, the same bytes
    assert cli(*args, "-o", out).exit_code == 0
    assert out.read_bytes() == first  # and from the remembered output
    sheets = openpyxl.load_workbook(io.BytesIO(first)).sheetnames
    assert {"收费率：本月账单", "户收费率：应收户", "清缴率：期初欠费账单", "本月收款"} <= set(sheets)
    # the terminal and JSON leave the drill-downs out
    assert "collection_rate_bills" not in stats(cli, estate, "--period", "2025-03", "--as-of", "2025-04-20")
    j1 = cli(*args, "-f", "json").stdout
    assert cli(*args, "-f", "json").stdout == j1


def test_bad_input_is_refused_and_nothing_is_written(cli, estate, tmp_path):
    before = sha(estate)
    out = tmp_path / "r.json"
    bad_period = cli("-w", estate, "stats", "monthly", "--period", "2025-13", "-o", out)
    assert bad_period.exit_code == 1 and "2025-13" in bad_period.output
    early = cli("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-02-20", "-o", out)
    assert early.exit_code == 1 and "2025-03-01" in early.output
    empty = cli("-w", estate, "stats", "monthly", "--period", "2024-06", "--as-of", "2025-04-20")
    assert empty.exit_code == 0 and "没有账单" in empty.output
    assert not out.exists()
    for ext in ("csv", "xlsx"):  # a month never billed, in every format a cron job may ask for
        got = tmp_path / f"empty.{ext}"
        r = cli("-w", estate, "stats", "monthly", "--period", "2024-06", "--as-of", "2025-04-20", "-o", got)
        assert r.exit_code == 0 and "没有账单" in r.stderr, r.output
        if ext == "csv":
            assert got.read_bytes() == "\ufeff".encode()
        else:
            sheet = openpyxl.load_workbook(got).active
            assert "2024-06" in sheet["A1"].value and "没有账单" in sheet["A2"].value
    assert sha(estate) == before
    with Workbook(estate, write=True) as wb:  # a target that is not a percentage
        table = wb.read(schema.ESTATE)
        row = next(r for r in table.rows if r.values["item"] == "收费率目标")
        wb.update(table, row, {"value": "九成五"}, key="收费率目标")
        wb.commit("test")
    before = sha(estate)
    checked = cli("-w", estate, "check", "stats")  # `check` names it too, and finds nothing else to say
    assert checked.exit_code == 3 and "收费率目标" in checked.output and "九成五" in checked.output
    bad = cli("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20", "-o", out)
    assert bad.exit_code == 1
    assert "小区信息" in bad.output and "九成五" in bad.output and "95%" in bad.output
    assert f"第 {row.number} 行" in bad.output or f"row {row.number}" in bad.output
    assert sha(estate) == before and not out.exists()


@pytest.mark.parametrize(("text", "value"), [("95%", "0.95"), ("", "0.95"), ("８０％", "0.8"), ("80", "0.8"),
                                             ("0.9", "0.9"), ("100%", "1")])
def test_target_reads_a_percentage(text, value):
    assert kpi.parse_target(text) == D(value)


@pytest.mark.parametrize("text", ["九成", "0", "120%", "-5%", "nan"])
def test_target_refuses_what_is_not_one(text):
    with pytest.raises(kpi.TargetError):
        kpi.parse_target(text)


def test_domain_worked_example():
    # the docstring's example (domain/kpi.py): A 200/200, B 300/100, C 100 waived after 40 paid
    lines = [kpi.BillLine("1", "A", "物业费", D("200.00"), D("0.00"), D("200.00")),
             kpi.BillLine("2", "B", "物业费", D("300.00"), D("0.00"), D("100.00")),
             kpi.BillLine("3", "C", "物业费", D("100.00"), D("60.00"), D("40.00"))]
    old = [kpi.OldDebt("0", "B", "2026-08", "物业费", D("150.00"), D("90.00"))]
    f = kpi.fee_figures(lines, old)
    assert (f.billed, f.collected, f.collection_rate) == (D("540.00"), D("340.00"), D("0.6296"))
    assert (f.households_billed, f.households_paid, f.household_rate) == (3, 2, D("0.6667"))
    assert (f.arrears_recovered, f.recovery_rate) == (D("60.00"), D("0.4000"))
    assert kpi.fee_figures([], []).recovery_rate is None  # nothing owed: "—", not a division error
    # a payment counts from its day until the day it was voided
    assert kpi.in_effect(dt.date(2025, 3, 28), True, dt.date(2025, 3, 29), dt.date(2025, 3, 28))
    assert not kpi.in_effect(dt.date(2025, 3, 28), True, dt.date(2025, 3, 29), dt.date(2025, 3, 29))
    assert not kpi.in_effect(dt.date(2025, 3, 28), True, None, dt.date(2025, 12, 31))


# -- the sample ------------------------------------------------------------------------------------

def test_sample_october_reconciles_with_bills_summary_and_arrears_report(cli, sample_readonly):
    data = stats(cli, sample_readonly, "--period", "2026-10", "--as-of", "2026-11-23")
    summary = json.loads(cli("-w", sample_readonly, "bills", "summary", "--period", "2026-10", "-f", "json").stdout)
    total = summary["lines"]["total"]
    # 应收 = bills summary's 已收 + 欠费 (金额 less what 减免 forgave); 实收 = its 已收 once every payment
    # received is in (the sample's payments end before 11-23)
    assert D(data["billed"]) == D(total["paid"]) + D(total["owing"])
    assert D(data["collected"]) == D(total["paid"])
    assert sum(D(b["billed"]) for b in data["by_building"]) == D(data["billed"])
    assert sum(D(b["collected"]) for b in data["by_building"]) == D(data["collected"])
    for row in summary["lines"]["rows"]:
        mine = next(b for b in data["by_building"] if b["name"] == row["building"])
        assert (D(mine["billed"]), D(mine["collected"])) == (D(row["paid"]) + D(row["owing"]), D(row["paid"]))
    # arrears at the end of October = arrears report --as-of 2026-10-31, bucket by bucket
    arrears = json.loads(cli("-w", sample_readonly, "arrears", "report", "--as-of", "2026-10-31", "-f", "json").stdout)
    assert data["arrears_at_end"] == arrears["by_age"]["total"]["total"]
    assert list(data["ageing"]["total"].values())[:-1] == [r["total"] for r in arrears["by_age"]["rows"]]
    # 期初欠费 = arrears report --as-of 2026-09-30 (no sample bill falls due on 09-30)
    start = json.loads(cli("-w", sample_readonly, "arrears", "report", "--as-of", "2026-09-30", "-f", "json").stdout)
    assert data["arrears_at_start"] == start["by_age"]["total"]["total"]
    assert D(data["arrears_recovered"]) <= D(data["arrears_at_start"])


def test_json_keys_and_formats(cli, sample_readonly):
    data = stats(cli, sample_readonly, "--period", "2026-10", "--as-of", "2026-11-23")
    keys = ("period", "as_of", "billed", "collected", "collection_rate", "households_billed", "households_paid",
            "household_rate", "arrears_at_start", "arrears_recovered", "recovery_rate", "prepaid_received",
            "prepaid_balance")
    assert all(k in data for k in keys)
    assert (data["period"], data["as_of"]) == ("2026-10", "2026-11-23")
    for k in ("billed", "collected", "arrears_at_start", "arrears_recovered", "prepaid_received", "prepaid_balance"):
        assert len(data[k].split(".")[1]) == 2, k
    for k in ("collection_rate", "household_rate", "recovery_rate"):
        assert len(data[k].split(".")[1]) == 4 and D(data[k]) <= 1, k
    for row in (*data["by_building"], *data["by_item"]):
        assert set(keys[2:]) <= set(row)
    assert {"reported", "completed", "visit_rate", "satisfaction"} <= set(data["service"])


def test_a_remembered_output_is_never_stale(cli, estate):
    args = ("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20", "-f", "json")
    before = json.loads(cli(*args).stdout)
    assert json.loads(cli(*args).stdout) == before  # from the remembered output
    # C pays the rest of February on 04-10: the workbook's bytes change, so the figures are computed again
    # — recovered in March stays 300, but as of 04-20 C's February is paid: 实收 of March unchanged (540)
    # and the arrears at 03-31 unchanged (450); the year to date gains 150 (2090 → 2240)
    assert cli("-w", estate, "payments", "record", "2-1-101", "--amount", "150", "--date", "2025-04-10").exit_code == 0
    after = json.loads(cli(*args).stdout)
    ytd = {r["key"]: r for r in after["compare"]["rows"]}["year_to_date"]
    assert (after["collected"], after["arrears_at_end"], ytd["collected"]) == ("540.00", "450.00", "2240.00")


def test_one_building_and_a_service_figure(cli, estate, sample_readonly):
    # --building 2: only C and D (see by_building in test_by_building_item_and_method): 450 billed, 150
    # collected, 清缴率 300/450; nothing of building 1's 预存
    data = stats(cli, estate, "--period", "2025-03", "--as-of", "2025-04-20", "--building", "2")
    assert (data["building"], data["billed"], data["collected"], data["recovery_rate"], data["prepaid_balance"]) == (
        "2", "450.00", "150.00", "0.6667", "0.00")
    # the arrears at the end of building 2 only: C 150 + D 300
    assert data["arrears_at_end"] == "450.00"
    none = cli("-w", estate, "stats", "monthly", "--period", "2025-03", "--as-of", "2025-04-20", "--building", "9")
    assert none.exit_code == 0 and "楼栋 9" in none.output and "1、2" in none.output
    # a service figure is explained by reports.figures, under the statistics' own key
    result = cli("-w", sample_readonly, "stats", "explain", "回访率", "--period", "2026-10", "--as-of", "2026-11-23",
                 "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    service = json.loads(cli("-w", sample_readonly, "stats", "monthly", "--period", "2026-10", "--as-of", "2026-11-23",
                             "-f", "json").stdout)["service"]
    rows = data["rows"]["rows"]
    assert data["report"] == "stats.explain"
    assert D(sum(r["counted"] == "✓" for r in rows)) / len(rows) == D(service["visit_rate"])


def test_a_remembered_output_follows_the_working_day_calendar(monkeypatch, sample_readonly):
    """A new release of the official calendar (next year's holidays) changes the 工作日 deadlines of the
    service figures: an output remembered under the old one is not given back."""
    from importlib import metadata

    from propcli.render import memo

    memo._code.cache_clear()
    before = memo.Question(sample_readonly, "stats", "monthly").name
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "99.0" if name == "chinesecalendar" else real(name))
    memo._code.cache_clear()
    try:
        assert memo.Question(sample_readonly, "stats", "monthly").name != before
    finally:
        memo._code.cache_clear()  # computed again with the real version once the patch is undone
