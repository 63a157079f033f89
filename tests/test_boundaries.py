"""Boundary dates and waived bills, worked by hand (issue 17 §8): the day a bill falls due, a payment on
the report's day, a transfer on a period's last day, a limitation period ending on the report's day, a
rate whose 失效日期 is the 1st, and a 减免 bill that is neither owed, nor paid, nor billed again.

The estate (built through the store, every bill from `billing run`), 物业费 2.00 元/㎡·月 in force since
2022-01-01, 缴费期限 15 days (a period's bill falls due on the 15th of the next month); periods 2024-12,
2025-01 and 2025-02 are billed, so their bills fall due on 2025-01-15, 2025-02-15 and 2025-03-15:

    unit     owner            ㎡   a month   what happens
    1-1-101  王一             100  200.00    nothing paid
    1-1-102  李二              80  160.00    pays 320.00 on 2025-03-15 (December and January)
    2-1-201  赵六 → 钱七      120  240.00    sold on 2025-01-31, the last day of period 2025-01
    2-1-202  孙七 → 周八       90  180.00    sold on 2025-02-01, the day after period 2025-01 ended
    3-1-301  吴九              50  100.00    also owes period 2022-02 (due 2022-03-15: time-barred after 2025-03-15)
    3-1-302  郑十              60  120.00    January 2025 waived (减免)

The report's day is 2025-03-15, the day February's bills fall due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from propcli.domain import arrears as rules
from propcli.domain.billing import parse_rate, rate_for
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import Cli
from tests.fixtures.ledger import build, owner, rate

AS_OF = "2025-03-15"
PERIODS = ("2024-12", "2025-01", "2025-02")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bill_ids(path: Path) -> dict[tuple[str, str], dict]:
    with Workbook(path) as wb:
        return {(b["unit_id"], b["period"]): b for b in wb.read(schema.BILLS).records()}


@pytest.fixture(scope="module")
def _master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cli = Cli()
    path = build(tmp_path_factory.mktemp("boundaries") / "estate.xlsx", owners=[
        owner("1-1-101", area="100", name="王一"), owner("1-1-102", area="80", name="李二"),
        owner("2-1-201", area="120", name="赵六"), owner("2-1-202", area="90", name="孙七"),
        owner("3-1-301", area="50", name="吴九"), owner("3-1-302", area="60", name="郑十"),
    ], rates=[rate("物业费", "按面积", "2.00", effective_from=dt.date(2022, 1, 1))])
    for period in PERIODS:
        done = cli("-w", path, "billing", "run", "--period", period)
        assert done.exit_code == 0, done.output
    for unit, to, day in (("2-1-201", "钱七", "2025-01-31"), ("2-1-202", "周八", "2025-02-01")):
        done = cli("-w", path, "owners", "transfer", unit, "--to", to, "--date", day)
        assert done.exit_code == 0, done.output
    with Workbook(path, write=True) as wb:
        bills = wb.read(schema.BILLS)
        # 3-1-301's old debt: 50 ㎡ × 2.00 = 100.00 for 2022-02, due 2022-02-28 + 15 days = 2022-03-15
        wb.append(bills, [{"bill_id": "ZD202202000001", "unit_id": "3-1-301", "period": "2022-02", "item": "物业费",
                           "quantity": D(50), "unit_price": D("2.00"), "amount": D("100.00"),
                           "due_date": dt.date(2022, 3, 15), "paid": D(0), "status": "未缴",
                           "detail": "50㎡ × 2.00元/㎡·月 = 100"}])
        row = next(r for r in bills.rows if r.values["unit_id"] == "3-1-302" and r.values["period"] == "2025-01")
        wb.update(bills, row, {"status": "减免"}, key=str(row.values["bill_id"]))
        wb.commit("test fixture")
    done = cli("-w", path, "payments", "record", "1-1-102", "--amount", "320", "--date", AS_OF)
    assert done.exit_code == 0, done.output
    return path


@pytest.fixture
def estate(_master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(_master, dest)
    return dest


def report(cli, path: Path, as_of: str = AS_OF) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = cli("-w", path, "arrears", "report", "--as-of", as_of, "-f", "json", "--unmask")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["debtors"]["rows"]
    return {r["unit_id"] + ("/former" if r["owner"]["transfer_date"] else ""): r for r in rows}


def test_the_fixture_is_what_the_docstring_says(estate):
    bills = _bill_ids(estate)
    assert len(bills) == 6 * 3 + 1
    assert {(u, p): (b["amount"], b["due_date"]) for (u, p), b in bills.items() if u == "1-1-101"} == {
        ("1-1-101", "2024-12"): (D("200.00"), dt.date(2025, 1, 15)),
        ("1-1-101", "2025-01"): (D("200.00"), dt.date(2025, 2, 15)),
        ("1-1-101", "2025-02"): (D("200.00"), dt.date(2025, 3, 15))}
    assert bills[("3-1-302", "2025-01")]["status"] == "减免"
    # 李二's 320.00 went to December and January (160.00 each), oldest first
    assert [bills[("1-1-102", p)]["status"] for p in PERIODS] == ["已缴", "已缴", "未缴"]


def test_the_report_on_the_day_february_falls_due(cli, estate):
    units = report(cli, estate)
    assert set(units) == {"1-1-101", "2-1-201", "2-1-201/former", "2-1-202/former", "3-1-301", "3-1-302"}
    # 王一: December (due 01-15: 2nd overdue month on 03-15) and January (due 02-15: 1st month, 02-15 + 28
    # days is 03-15, not past the same day a month later) = 400.00; February is due today, not overdue.
    a = units["1-1-101"]
    assert (a["total"], a["months"], a["since"], a["periods"]) == ("400.00", 2, "2024-12", 2)
    # 李二 paid 320.00 on 03-15 itself: that payment counts on the report's day, so nothing is owed
    assert "1-1-102" not in units
    # 赵六 sold on 2025-01-31, the last day of period 2025-01: "bills before T stay with the old owner" —
    # period 2025-01 is not wholly before 01-31, so only December (240.00) is 赵六's; January is 钱七's.
    seller, buyer = units["2-1-201/former"], units["2-1-201"]
    assert seller["owner"]["name"] == "赵六" and seller["owner"]["transfer_date"] == "2025-01-31"
    assert (seller["total"], seller["since"], seller["periods"]) == ("240.00", "2024-12", 1)
    assert (buyer["owner"]["name"], buyer["total"], buyer["since"], buyer["months"]) == ("钱七", "240.00", "2025-01", 1)
    # 孙七 sold on 2025-02-01, after period 2025-01 ended: December and January (2 × 180.00) stay his;
    # 周八 owes only February, not yet overdue
    old = units["2-1-202/former"]
    assert (old["owner"]["name"], old["total"], old["periods"]) == ("孙七", "360.00", 2)
    assert "2-1-202" not in units
    # 吴九: 2022-02 (due 2022-03-15: its 36th overdue month; the three years end today, 2025-03-15, so it is
    # still claimable and warned about, not time-barred) + December + January = 300.00
    e = units["3-1-301"]
    assert (e["total"], e["months"], e["bucket"], e["since"]) == ("300.00", 36, "25–36", "2022-02")
    assert e["limitation"] == {"expired": "0.00", "expiring": "100.00", "first_expiry": "2025-03-15"}
    # 郑十: December 120.00; January is waived (减免): not owed
    g = units["3-1-302"]
    assert (g["total"], g["periods"], g["since"]) == ("120.00", 1, "2024-12")
    # 400 + 240 + 240 + 360 + 300 + 120
    data = json.loads(cli("-w", estate, "arrears", "report", "--as-of", AS_OF, "-f", "json").stdout)
    assert data["debtors"]["total"]["total"] == "1660.00"
    assert data["by_item"]["total"] == {"bills": 10, "total": "1660.00"}


def test_the_day_before_and_the_day_after(cli, estate):
    before, after = report(cli, estate, "2025-03-14"), report(cli, estate, "2025-03-16")
    # 03-14: 李二's 320.00 of 03-15 had not come in: December and January, 2 × 160.00
    assert (before["1-1-102"]["total"], before["1-1-102"]["months"]) == ("320.00", 2)
    # 03-16: December and January paid; February (due 03-15) one day overdue: 160.00, 1st month
    assert (after["1-1-102"]["total"], after["1-1-102"]["months"], after["1-1-102"]["since"]) == ("160.00", 1, "2025-02")
    # 03-16: February (due 03-15) is one day overdue: 王一 owes three months, 600.00
    assert (before["1-1-101"]["total"], after["1-1-101"]["total"]) == ("400.00", "600.00")
    assert after["1-1-101"]["periods"] == 3
    # 周八 (buyer of 2-1-202) now owes February: 180.00
    assert (after["2-1-202"]["owner"]["name"], after["2-1-202"]["total"]) == ("周八", "180.00")
    # 吴九's 2022-02: warned the day before, time-barred the day after (its 37th month: bucket >36)
    assert before["3-1-301"]["limitation"] == {"expired": "0.00", "expiring": "100.00", "first_expiry": "2025-03-15"}
    assert after["3-1-301"]["limitation"] == {"expired": "100.00", "expiring": "0.00", "first_expiry": None}
    assert (after["3-1-301"]["months"], after["3-1-301"]["bucket"]) == (37, ">36")
    # 郑十: waived January never appears; February 120.00 joins December on 03-16
    assert (after["3-1-302"]["total"], after["3-1-302"]["periods"]) == ("240.00", 2)


def test_the_limitation_column_on_the_day(cli, estate):
    text = cli("-w", estate, "arrears", "report", "--as-of", AS_OF, "-f", "csv")
    line = next(x for x in text.stdout.splitlines() if x.startswith("3-1-301"))
    assert "⚠ 2025-03-15 时效届满 100.00" in line and "已过时效" not in line
    line = next(x for x in cli("-w", estate, "arrears", "report", "--as-of", "2025-03-16", "-f", "csv").stdout
                .splitlines() if x.startswith("3-1-301"))
    assert "已过时效 100.00" in line and "⚠" not in line


# -- the waived bill ---------------------------------------------------------------------------------


def test_bills_summary_does_not_count_a_waived_bill_as_owed(cli, estate):
    data = json.loads(cli("-w", estate, "bills", "summary", "-b", "3", "-f", "json").stdout)
    rows = {r["period"]: (r["bills"], r["amount"], r["paid"], r["owing"]) for r in data["lines"]["rows"]}
    # building 3: 3-1-301 (100.00 a month, and 100.00 for 2022-02) and 3-1-302 (120.00 a month, January waived)
    assert rows == {"2022-02": (1, "100.00", "0.00", "100.00"), "2024-12": (2, "220.00", "0.00", "220.00"),
                    "2025-01": (2, "220.00", "0.00", "100.00"), "2025-02": (2, "220.00", "0.00", "220.00")}
    # 100 + 3 × 220 = 760.00 billed; owed 760.00 − the 120.00 waived = 640.00
    assert data["lines"]["total"] == {"bills": 7, "amount": "760.00", "paid": "0.00", "owing": "640.00"}


def test_a_remembered_bills_summary_follows_the_workbook(cli, estate):
    args = ("-w", estate, "bills", "summary", "-b", "3", "-f", "json")
    first = cli(*args).stdout
    assert cli(*args).stdout == first  # from the output remembered for this question on these bytes
    assert len(list((estate.parent / ".propcli" / "cache").glob("out-*.bin"))) == 1
    # 3-1-301 pays 100.00: into its oldest bill (2022-02), so building 3 owes 640.00 − 100.00 = 540.00
    assert cli("-w", estate, "payments", "record", "3-1-301", "--amount", "100", "--date", "2025-03-01").exit_code == 0
    data = json.loads(cli(*args).stdout)
    assert data["lines"]["rows"][0]["period"] == "2022-02" and data["lines"]["rows"][0]["owing"] == "0.00"
    assert data["lines"]["total"] == {"bills": 7, "amount": "760.00", "paid": "100.00", "owing": "540.00"}


@pytest.mark.parametrize(("amount", "december", "february", "prepaid"), [
    # 郑十 owes December 120.00 and February 120.00; January (120.00) is waived and takes nothing
    ("100", "100.00", None, None),
    ("120", "120.00", None, None),
    ("200", "120.00", "80.00", None),
    ("240", "120.00", "120.00", None),
    ("400", "120.00", "120.00", "160.00"),
])
def test_a_payment_never_goes_into_a_waived_bill(cli, estate, amount, december, february, prepaid):
    before = _bill_ids(estate)
    done = cli("-w", estate, "payments", "record", "3-1-302", "--amount", amount, "--date", AS_OF)
    assert done.exit_code == 0, done.output
    after = _bill_ids(estate)
    dec, jan, feb = (before[("3-1-302", p)]["bill_id"] for p in PERIODS)
    expected = [f"{dec}:{december}"] + ([f"{feb}:{february}"] if february else []) + (
        [f"预存:{prepaid}"] if prepaid else [])
    with Workbook(estate) as wb:
        payment = wb.read(schema.PAYMENTS).records()[-1]
    assert payment["allocations"] == ";".join(expected)
    waived = after[("3-1-302", "2025-01")]
    assert (waived["status"], waived["paid"] or 0, waived["amount"]) == ("减免", 0, D("120.00"))
    assert after[("3-1-302", "2024-12")]["paid"] == D(december)
    assert (after[("3-1-302", "2025-02")]["paid"] or 0) == D(february or "0")


def test_a_waived_bill_cannot_be_named_for_a_payment(cli, estate):
    jan = _bill_ids(estate)[("3-1-302", "2025-01")]["bill_id"]
    before = sha(estate)
    done = cli("-w", estate, "payments", "record", "3-1-302", "--amount", "120", "--bills", jan, "--date", AS_OF)
    assert done.exit_code == 1
    assert f"应收账单 › 第 13 行，状态: 账单 {jan} 已减免，不收款" in done.stderr and "Traceback" not in done.output
    assert sha(estate) == before


def test_billing_run_never_bills_a_waived_bill_again(cli, estate):
    done = cli("-w", estate, "billing", "run", "--period", "2025-01")
    assert done.exit_code == 0, done.output
    assert "2025-01 已出账（6 张），没有新账单" in done.output
    bills = [b for b in _bill_ids(estate).values() if b["period"] == "2025-01"]
    assert len(bills) == 6
    with Workbook(estate) as wb:
        g = [b for b in wb.read(schema.BILLS).records() if b["unit_id"] == "3-1-302" and b["period"] == "2025-01"]
    assert len(g) == 1 and g[0]["status"] == "减免"


def test_check_billing_leaves_a_waived_bill_alone(cli, estate):
    assert cli("-w", estate, "check", "billing").exit_code == 0
    # 郑十's area corrected from 60 to 65 ㎡ after billing: every bill of his now comes to 65 × 2.00 = 130.00,
    # not 120.00 — check names December and February (twice, no more); January is waived and is not re-billed
    assert cli("-w", estate, "owners", "update", "3-1-302", "--area", "65").exit_code == 0
    bills = _bill_ids(estate)
    done = cli("-w", estate, "check", "billing")
    assert done.exit_code == 3, done.output
    named = [x for x in done.stdout.splitlines() if "130.00" in x]
    assert len(named) == 2, done.stdout
    for period in ("2024-12", "2025-02"):
        assert any(bills[("3-1-302", period)]["bill_id"] in x for x in named), period
    assert not any(bills[("3-1-302", "2025-01")]["bill_id"] in x for x in done.stdout.splitlines())
    # and billing the periods again creates nothing, whatever the rules now say
    for period in PERIODS:
        assert "没有新账单" in cli("-w", estate, "billing", "run", "--period", period).output
    assert len(_bill_ids(estate)) == 19


# -- the rules at their boundaries, one by one ---------------------------------------------------------

d = dt.date


@pytest.mark.parametrize(("due", "as_of", "months"), [
    (d(2025, 3, 15), d(2025, 3, 15), 0),  # due today: not overdue
    (d(2025, 3, 15), d(2025, 3, 14), 0),
    (d(2025, 3, 15), d(2025, 3, 16), 1),  # the day after: 1st overdue month
    (d(2025, 2, 15), d(2025, 3, 15), 1),  # the same day a month later: still the 1st month
    (d(2025, 2, 15), d(2025, 3, 16), 2),
    (d(2025, 1, 31), d(2025, 2, 28), 1),  # 01-31 + 1 month is 02-28
    (d(2025, 1, 31), d(2025, 3, 1), 2),
    (d(2024, 1, 31), d(2024, 2, 29), 1),  # leap year
    (d(2024, 1, 31), d(2024, 3, 1), 2),
    (d(2024, 12, 31), d(2025, 1, 1), 1),  # across the year
    (d(2022, 3, 15), d(2025, 3, 15), 36),
    (d(2022, 3, 15), d(2025, 3, 16), 37),
])
def test_months_overdue_at_the_edges(due, as_of, months):
    assert rules.months_overdue(due, as_of) == months


@pytest.mark.parametrize(("due", "breaks", "end"), [
    (d(2022, 3, 15), [], d(2025, 3, 15)),
    (d(2024, 2, 29), [], d(2027, 2, 28)),  # no 02-29 in 2027: the month's last day
    (d(2022, 3, 15), [d(2022, 3, 15)], d(2025, 3, 15)),  # a demand on the due day itself does not restart it
    (d(2022, 3, 15), [d(2022, 3, 16)], d(2025, 3, 16)),
    (d(2022, 3, 15), [d(2021, 1, 1)], d(2025, 3, 15)),  # before the debt was due: no effect
])
def test_limitation_end_at_the_edges(due, breaks, end):
    assert rules.limitation_end(due, breaks) == end


@pytest.mark.parametrize(("days_late", "fee"), [
    # 1,000.00 owed at 0.3‰ a day after 30 grace days, capped at 10% (100.00)
    (0, "0"), (30, "0"), (31, "0.30"), (40, "3.00"), (363, "99.90"), (364, "100.00"), (365, "100.00"), (1000, "100.00"),
])
def test_late_fee_at_the_edges(days_late, fee):
    policy = rules.parse_late_fee("日0.3‰；宽限30天；上限10%")
    due = d(2025, 1, 15)
    assert rules.late_fee(policy, D("1000.00"), due, due + dt.timedelta(days=days_late)) == D(fee)


def _rates(*rows: tuple[str, dt.date, dt.date | None]) -> list:
    return [parse_rate({"item": "物业费", "basis": "按面积", "price": D(price), "effective_from": start,
                        "effective_to": end}, i + 2) for i, (price, start, end) in enumerate(rows)]


@pytest.mark.parametrize(("rows", "period", "price"), [
    # a rate is in force on a period's first day when 生效日期 ≤ that day ≤ 失效日期 (both inclusive)
    ((("2.00", d(2024, 1, 1), d(2025, 2, 1)),), "2025-02", "2.00"),  # 失效日期 the 1st: still bills that month
    ((("2.00", d(2024, 1, 1), d(2025, 2, 1)),), "2025-03", None),
    ((("2.00", d(2024, 1, 1), d(2025, 1, 31)),), "2025-02", None),
    ((("2.00", d(2024, 1, 1), d(2025, 2, 28)),), "2025-02", "2.00"),
    ((("2.00", d(2025, 2, 1), None),), "2025-02", "2.00"),  # 生效日期 the 1st
    ((("2.00", d(2025, 2, 2), None),), "2025-02", None),
    ((("2.00", d(2025, 2, 2), None),), "2025-03", "2.00"),
    ((("2.00", d(2024, 1, 1), d(2025, 2, 1)), ("2.50", d(2025, 2, 2), None)), "2025-02", "2.00"),
    ((("2.00", d(2024, 1, 1), d(2025, 2, 1)), ("2.50", d(2025, 2, 2), None)), "2025-03", "2.50"),
    ((("2.00", d(2024, 1, 1), d(2025, 2, 1)), ("2.50", d(2025, 2, 1), None)), "2025-02", "2.50"),  # latest wins
    ((("2.00", d(2024, 1, 1), d(2025, 1, 31)), ("2.50", d(2025, 2, 1), None)), "2025-01", "2.00"),
])
def test_which_rate_is_in_force(rows, period, price):
    found = rate_for(_rates(*rows), "物业费", period, "自住")
    assert (found.price if found else None) == (D(price) if price else None)


def test_a_rate_ending_on_the_first_bills_that_month(cli, tmp_path):
    # 100 ㎡; 2.00 until 2025-02-01 inclusive, 2.50 from 2025-02-02: January and February at 200.00,
    # March at 250.00 — treating 失效日期 as exclusive would leave February unbilled
    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-101", area="100")], rates=[
        rate("物业费", "按面积", "2.00", effective_to=d(2025, 2, 1)),
        rate("物业费", "按面积", "2.50", effective_from=d(2025, 2, 2))])
    for period in ("2025-01", "2025-02", "2025-03"):
        assert cli("-w", path, "billing", "run", "--period", period).exit_code == 0
    got = {p: b["amount"] for (_, p), b in _bill_ids(path).items()}
    assert got == {"2025-01": D("200.00"), "2025-02": D("200.00"), "2025-03": D("250.00")}
    assert cli("-w", path, "check", "billing").exit_code == 0
