"""`billing run` against hand-computed bills: tiered tariffs (monthly, yearly, seasonal, large
households), effective dates, status factors, rounding, idempotence and rates changed after billing.

Every expected amount is worked out in the comment beside it, never taken from the code."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.fixtures.ledger import build, owner, rate, reading

BJ_POWER = "0-240:0.4883;240-400:0.5383;400-:0.7883"  # Beijing residential electricity, monthly
BJ_WATER = "0-180:5;180-260:7;260-:9"  # Beijing residential water, yearly


def bills(path: Path, period: str | None = None) -> dict[tuple[str, str], dict]:
    with Workbook(path) as wb:
        rows = wb.read(schema.BILLS).records()
    return {(r["unit_id"], r["item"]): r for r in rows if period is None or r["period"] == period}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(cli, path: Path, period: str, *more: str):  # type: ignore[no-untyped-def]
    return cli("-w", path, "billing", "run", "--period", period, *more)


def test_monthly_tiers_beijing_electricity(cli, tmp_path):
    path = build(tmp_path / "e.xlsx", owners=[owner("1-1-101"), owner("1-1-102"), owner("1-1-201")],
                 rates=[rate("电费", "按用量", tiers=BJ_POWER, tier_cycle="月", meter="电表")],
                 readings=[reading(u, "电表", "2025-01", "1000") for u in ("1-1-101", "1-1-102", "1-1-201")]
                 + [reading("1-1-101", "电表", "2025-02", "1240"), reading("1-1-102", "电表", "2025-02", "1300"),
                    reading("1-1-201", "电表", "2025-02", "1450")])
    result = run(cli, path, "2025-02")
    assert result.exit_code == 0, result.output
    got = bills(path, "2025-02")
    # 240 kWh, all in tier 1 (its upper bound included): 240 × 0.4883 = 117.192 → 117.19
    assert got[("1-1-101", "电费")]["amount"] == D("117.19")
    # 300 kWh: 117.192 + 60 × 0.5383 (32.298) = 149.490 → 149.49
    assert got[("1-1-102", "电费")]["amount"] == D("149.49")
    # 450 kWh: 117.192 + 160 × 0.5383 (86.128) + 50 × 0.7883 (39.415) = 242.735 → half-up 242.74
    assert got[("1-1-201", "电费")]["amount"] == D("242.74")
    detail = got[("1-1-201", "电费")]["detail"]
    assert "第1档 240×0.4883=117.192" in detail and "第3档 50×0.7883=39.415" in detail
    # the total printed is the sum of the rounded lines: 117.19 + 149.49 + 242.74 = 509.42
    assert "509.42" in result.output
    assert got[("1-1-101", "电费")]["bill_id"] == "ZD202502000001"
    assert got[("1-1-101", "电费")]["due_date"].isoformat() == "2025-03-15"  # 28 Feb + 15 days


def test_yearly_tiers_beijing_water_straddle_and_reset(cli, tmp_path):
    values = [("2024-12", "0"), ("2025-01", "170"), ("2025-02", "195"), ("2025-03", "215"), ("2025-04", "285"),
              ("2026-01", "295")]
    path = build(tmp_path / "w.xlsx", owners=[owner("1-1-101")],
                 rates=[rate("水费", "按用量", tiers=BJ_WATER, tier_cycle="年", meter="水表")],
                 readings=[reading("1-1-101", "水表", p, v) for p, v in values])
    expected = {
        "2025-01": D("850.00"),  # 170 m³, year so far 0 → 170: 170 × 5
        "2025-02": D("155.00"),  # 25 m³, 170 → 195: 10 × 5 + 15 × 7 = 50 + 105
        "2025-03": D("140.00"),  # 20 m³, 195 → 215: 20 × 7
        "2025-04": D("540.00"),  # 70 m³, 215 → 285: 45 × 7 + 25 × 9 = 315 + 225
        "2026-01": D("50.00"),  # 10 m³ in a new year: the count starts again, 10 × 5
    }
    for period, amount in expected.items():
        assert run(cli, path, period).exit_code == 0
        assert bills(path, period)[("1-1-101", "水费")]["amount"] == amount, period
    assert "本年累计 170→195" in bills(path, "2025-02")[("1-1-101", "水费")]["detail"]


def test_seasonal_bounds_guangdong(cli, tmp_path):
    summer = "0-260:0.5902;260-600:0.6402;600-:0.8902"
    winter = "0-200:0.5902;200-400:0.6402;400-:0.8902"
    path = build(tmp_path / "g.xlsx", owners=[owner("1-1-101")],
                 rates=[rate("电费", "按用量", tiers=summer, months="5-10", meter="电表"),
                        rate("电费", "按用量", tiers=winter, months="11-4", meter="电表")],
                 readings=[reading("1-1-101", "电表", p, v) for p, v in
                           (("2025-05", "0"), ("2025-06", "300"), ("2025-11", "300"), ("2025-12", "600"))])
    run(cli, path, "2025-06")
    run(cli, path, "2025-12")
    # June, summer bounds: 260 × 0.5902 (153.452) + 40 × 0.6402 (25.608) = 179.060
    assert bills(path, "2025-06")[("1-1-101", "电费")]["amount"] == D("179.06")
    # December, winter bounds: 200 × 0.5902 (118.04) + 100 × 0.6402 (64.02) = 182.06
    assert bills(path, "2025-12")[("1-1-101", "电费")]["amount"] == D("182.06")


def test_large_household_raises_every_bound(cli, tmp_path):
    path = build(tmp_path / "l.xlsx", owners=[owner("1-1-101", household=5), owner("1-1-102", household=4)],
                 rates=[rate("电费", "按用量", tiers=BJ_POWER, large_household="5:100", meter="电表")],
                 readings=[reading(u, "电表", p, v) for u in ("1-1-101", "1-1-102")
                           for p, v in (("2025-01", "0"), ("2025-02", "300"))])
    run(cli, path, "2025-02")
    got = bills(path, "2025-02")
    # 5 people: tier 1 is 0–340, so 300 × 0.4883 = 146.49
    assert got[("1-1-101", "电费")]["amount"] == D("146.49")
    # 4 people: the ordinary bounds, 117.192 + 60 × 0.5383 = 149.49
    assert got[("1-1-102", "电费")]["amount"] == D("149.49")


def test_price_change_bills_each_period_at_the_price_in_force(cli, tmp_path):
    import datetime as dt

    path = build(tmp_path / "p.xlsx", owners=[owner("1-1-101", area="100")],
                 rates=[rate("物业费", "按面积", "2.50", effective_to=dt.date(2025, 6, 30)),
                        rate("物业费", "按面积", "2.80", effective_from=dt.date(2025, 7, 1))])
    run(cli, path, "2025-06")
    run(cli, path, "2025-07")
    assert bills(path, "2025-06")[("1-1-101", "物业费")]["amount"] == D("250.00")  # 100 × 2.50
    assert bills(path, "2025-07")[("1-1-101", "物业费")]["amount"] == D("280.00")  # 100 × 2.80


def test_status_factors_and_parking(cli, tmp_path):
    path = build(tmp_path / "s.xlsx",
                 owners=[owner("1-1-101", area="101.01"), owner("1-1-102", area="101.01", status="托管"),
                         owner("1-1-201", area="101.01", status="空置", parking="B1-001、B1-002")],
                 rates=[rate("物业费", "按面积", "2.50"), rate("物业费", "按面积", applies_to="托管", factor=D("0.7")),
                        rate("物业费", "按面积", applies_to="空置", factor=D("0.5")), rate("停车费", "按车位", "300")])
    run(cli, path, "2025-03")
    got = bills(path, "2025-03")
    assert got[("1-1-101", "物业费")]["amount"] == D("252.53")  # 101.01 × 2.50 = 252.525 → 252.53
    assert got[("1-1-102", "物业费")]["amount"] == D("176.77")  # × 0.7 = 176.7675 → 176.77
    assert got[("1-1-201", "物业费")]["amount"] == D("126.26")  # × 0.5 = 126.2625 → 126.26
    assert got[("1-1-201", "停车费")]["amount"] == D("600.00")  # 2 spaces × 300
    assert ("1-1-101", "停车费") not in got  # no space, no parking bill
    assert "× 0.7（托管）" in got[("1-1-102", "物业费")]["detail"]


def test_rounding_to_jiao_and_totals_are_sums_of_rounded_lines(cli, tmp_path):
    path = build(tmp_path / "r.xlsx", owners=[owner("1-1-101", area="101.01"), owner("1-1-102", area="89.37")],
                 rates=[rate("物业费", "按面积", "2.50")], settings={"rounding": "角"})
    result = run(cli, path, "2025-03")
    got = bills(path, "2025-03")
    assert got[("1-1-101", "物业费")]["amount"] == D("252.50")  # 252.525 to the 角, half-up → 252.5
    assert got[("1-1-102", "物业费")]["amount"] == D("223.40")  # 89.37 × 2.5 = 223.425 → 223.4
    assert "475.90" in result.output  # 252.50 + 223.40, not round(475.95) = 476.0


def test_replacement_and_rollover_usage(cli, tmp_path):
    path = build(tmp_path / "m.xlsx", owners=[owner("1-1-101"), owner("1-1-102")],
                 rates=[rate("水费", "按用量", "5", meter="水表")],
                 readings=[reading("1-1-101", "水表", "2025-01", "120"),
                           reading("1-1-101", "水表", "2025-02", "290", replacement="旧表150/新表0"),
                           reading("1-1-102", "水表", "2025-01", "9990"),
                           reading("1-1-102", "水表", "2025-02", "15", replacement="翻转")])
    assert run(cli, path, "2025-02").exit_code == 0
    got = bills(path, "2025-02")
    # replaced: (150 − 120) + (290 − 0) = 320 m³ × 5
    assert got[("1-1-101", "水费")]["amount"] == D("1600.00")
    # a 4-digit meter rolled over: 15 + 10000 − 9990 = 25 m³ × 5
    assert got[("1-1-102", "水费")]["amount"] == D("125.00")


def test_second_run_creates_nothing_and_says_so(cli, tmp_path):
    path = build(tmp_path / "i.xlsx", owners=[owner("1-1-101")], rates=[rate("物业费", "按面积", "2.50")])
    assert run(cli, path, "2025-03").exit_code == 0
    before = sha(path)
    again = run(cli, path, "2025-03")
    assert again.exit_code == 0
    assert "已出账（1 张），没有新账单" in again.output
    assert sha(path) == before


def test_dry_run_shows_totals_and_writes_nothing(cli, tmp_path):
    path = build(tmp_path / "d.xlsx", owners=[owner("1-1-101"), owner("2-1-101", area="80")],
                 rates=[rate("物业费", "按面积", "2.50")])
    before = sha(path)
    result = run(cli, path, "2025-03", "--dry-run")
    assert result.exit_code == 0
    assert sha(path) == before
    # building 1: 250.00, building 2: 80 × 2.5 = 200.00, total 450.00
    lines = result.output.splitlines()
    assert any("│ 1 " in line and "250.00" in line for line in lines)
    assert any("│ 2 " in line and "200.00" in line for line in lines)
    assert "450.00" in result.output and "试运行" in result.output


def test_rate_changed_after_billing_is_reported_never_rebilled(cli, tmp_path):
    path = build(tmp_path / "c.xlsx", owners=[owner("1-1-101")], rates=[rate("物业费", "按面积", "2.50")])
    run(cli, path, "2025-03")
    book = openpyxl.load_workbook(path)
    sheet = book[schema.RATES.zh]
    sheet.cell(row=2, column=3, value=2.8)
    book.save(path)
    result = run(cli, path, "2025-03")
    assert "ZD202503000001" in result.output and "250.00" in result.output and "280.00" in result.output
    assert bills(path, "2025-03")[("1-1-101", "物业费")]["amount"] == D("250.00")
    checked = cli("-w", path, "check", "billing")
    assert checked.exit_code == 3
    assert "应收账单 › 第 2 行，金额" in checked.output and "应为 280.00" in checked.output


def test_bad_tiers_name_the_cell_and_write_nothing(cli, tmp_path):
    path = build(tmp_path / "b.xlsx", owners=[owner("1-1-101")],
                 rates=[rate("电费", "按用量", tiers="0-240:0.4883;250-400:0.5383;400-:0.7883", meter="电表")])
    before = sha(path)
    result = run(cli, path, "2025-03")
    assert result.exit_code == 1
    assert "收费标准 › 第 2 行，阶梯" in result.output and "不衔接" in result.output
    assert sha(path) == before


def test_check_billing_reports_a_rate_row_that_cannot_bill(cli, tmp_path):
    path = build(tmp_path / "b.xlsx", owners=[owner("1-1-101")],
                 rates=[rate("电费", "按用量", tiers="0-240:0.4883;250-400:0.5383;400-:0.7883", meter="电表")])
    result = cli("-w", path, "check", "billing")
    assert result.exit_code == 3
    assert "收费标准 › 第 2 行，阶梯: 阶梯 '0-240:0.4883;250-400:0.5383;400-:0.7883' 的各档不衔接" in result.output


def test_bad_period_is_a_clear_error(cli, tmp_path):
    path = build(tmp_path / "p.xlsx", owners=[owner("1-1-101")], rates=[rate("物业费", "按面积", "2.50")])
    result = run(cli, path, "2025-13")
    assert result.exit_code == 1 and "不是账期" in result.output


@pytest.mark.parametrize("setting", ["角", "分 舍去", "元 进位"])
def test_rounding_settings_are_accepted(cli, tmp_path, setting):
    path = build(tmp_path / "x.xlsx", owners=[owner("1-1-101", area="89.37")], rates=[rate("物业费", "按面积", "2.50")],
                 settings={"rounding": setting})
    run(cli, path, "2025-03")
    # 223.425: 角 half-up 223.40; 分 down 223.42; 元 up 224.00
    expected = {"角": D("223.40"), "分 舍去": D("223.42"), "元 进位": D("224.00")}[setting]
    assert bills(path, "2025-03")[("1-1-101", "物业费")]["amount"] == expected


# -- properties ------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    areas=st.lists(st.decimals(min_value=D("20"), max_value=D("300"), places=2), min_size=1, max_size=12),
    statuses=st.lists(st.sampled_from(["自住", "出租", "空置", "托管"]), min_size=12, max_size=12),
    usages=st.lists(st.integers(min_value=0, max_value=900), min_size=12, max_size=12),
    price=st.decimals(min_value=D("0.5"), max_value=D("6"), places=3),
    rounding=st.sampled_from(["分", "角", "元", "分 舍去", "角 进位"]),
)
def test_bill_totals_are_sums_of_rounded_lines(areas, statuses, usages, price, rounding):
    from propcli.domain.billing import Unit, parse_rate
    from fractions import Fraction

    from propcli.domain.money import parse_rounding
    from tests.oracle import STEPS_FEN, round_fen, tiered, yuan
    from propcli.domain.readings import Reading, usages as usage_series
    from propcli.ops.billing import compute, totals

    units = {f"{i % 3 + 1}-1-{i:04d}": Unit(f"{i % 3 + 1}-1-{i:04d}", a, statuses[i], 3, None)
             for i, a in enumerate(areas)}
    readings = [Reading(u, "电表", p, D(v)) for (u, n) in zip(units, usages)
                for p, v in (("2025-01", 0), ("2025-02", n))]
    rates = [parse_rate(r, i) for i, r in enumerate([
        rate("物业费", "按面积", str(price)), rate("物业费", "按面积", applies_to="托管", factor=D("0.7")),
        rate("电费", "按用量", tiers=BJ_POWER, meter="电表")])]
    mode = parse_rounding(rounding)
    lines, _ = compute(units, rates, "2025-02", mode, usage_series(readings))
    # every line against a hand computation in exact fractions (tests/oracle.py), not the billing code:
    # 物业费 = ㎡ × price (× 0.7 for 托管); 电费 = the month's usage through BJ_POWER's tiers; 0.00 lines are dropped
    step, how = rounding.split(" ") if " " in rounding else (rounding, "")
    step_fen, oracle_mode = STEPS_FEN[step], {"": "half-up", "舍去": "down", "进位": "up"}[how]
    expected = {}
    for (unit, u), n in zip(units.items(), usages):
        fee = Fraction(u.area) * Fraction(price) * (Fraction(7, 10) if u.status == "托管" else 1)
        for item, raw in (("物业费", fee), ("电费", tiered(BJ_POWER, n))):
            fen = round_fen(raw, step_fen, oracle_mode)
            if fen:
                expected[(unit, item)] = yuan(fen)
    assert {(x.unit, x.item): x.amount for x in lines} == expected
    bills = [{"unit_id": x.unit, "item": x.item, "amount": x.amount} for x in lines]
    rows = totals(bills)
    grand = rows[-1]["amount"]
    assert grand == sum((x.amount for x in lines), D(0))
    assert sum(r["amount"] for r in rows if r["building"]) == grand  # the buildings add up to the total
    assert sum(r["amount"] for r in rows[:-1] if not r["building"]) == grand  # and so do the items


def test_bad_rounding_setting_names_the_cell(cli, tmp_path):
    path = build(tmp_path / "r.xlsx", owners=[owner("1-1-101")], rates=[rate("物业费", "按面积", "2.50")],
                 settings={"rounding": "毛"})
    before = sha(path)
    result = run(cli, path, "2025-03")
    assert result.exit_code == 1
    assert "小区信息 › 第 8 行，值: 金额舍入 '毛' 无法识别" in result.output and "角" in result.output
    assert sha(path) == before


def test_unknown_unit_payment_is_refused(cli, tmp_path):
    path = build(tmp_path / "u.xlsx", owners=[owner("1-1-101")], rates=[rate("物业费", "按面积", "2.50")])
    before = sha(path)
    result = cli("-w", path, "payments", "record", "9-9-999", "--amount", "100")
    assert result.exit_code == 1 and "找不到房号 9-9-999" in result.output
    assert sha(path) == before


def test_a_line_above_the_ceiling_bills_nothing_until_put_right(cli, tmp_path):
    """A reading typed with digits too many: 1,000 → 2,001,001 is 2,000,001 kWh at a flat 5.00 =
    10,000,005.00 元, above the default 金额上限 of 10,000,000.00. Nothing is billed and the unit and item
    are named; corrected to 2,000 (1,000 kWh × 5.00 = 5,000.00) it bills, with 1-1-102's 10 × 5.00 = 50.00."""
    path = build(tmp_path / "c.xlsx", owners=[owner("1-1-101"), owner("1-1-102")],
                 rates=[rate("电费", "按用量", "5.00", meter="电表")],
                 readings=[reading("1-1-101", "电表", "2025-01", "1000"), reading("1-1-102", "电表", "2025-01", "1000"),
                           reading("1-1-101", "电表", "2025-02", "2001001"),
                           reading("1-1-102", "电表", "2025-02", "1010")])
    before = sha(path)
    result = run(cli, path, "2025-02")
    assert result.exit_code == 1
    assert "1-1-101 电费" in result.stderr and "10,000,005.00" in result.stderr and "10,000,000.00" in result.stderr
    assert sha(path) == before and bills(path, "2025-02") == {}
    with Workbook(path, write=True) as wb:
        table = wb.read(schema.READINGS)
        row = next(r for r in table.rows if r.values["unit_id"] == "1-1-101" and r.values["period"] == "2025-02")
        wb.update(table, row, {"reading": D("2000")}, key="1-1-101")
        wb.commit("test")
    assert run(cli, path, "2025-02").exit_code == 0
    got = bills(path, "2025-02")
    assert got[("1-1-101", "电费")]["amount"] == D("5000.00") and got[("1-1-102", "电费")]["amount"] == D("50.00")


def test_a_months_usages_are_counted_from_the_readings_before_them():
    from propcli.domain.billing import Unit, parse_rate
    from propcli.domain.readings import Reading, usages
    from propcli.ops.billing import compute

    readings = [  # 1-1-0001's 电表: 100 → (Feb not read) 150 → 400; January 2026 mistyped (50 < 400); February 450
        Reading("1-1-0001", "电表", "2025-01", D(100)), Reading("1-1-0001", "电表", "2025-03", D(150)),
        Reading("1-1-0001", "电表", "2025-12", D(400)), Reading("1-1-0001", "电表", "2026-01", D(50)),
        Reading("1-1-0001", "电表", "2026-02", D(450)),
        Reading("1-1-0002", "电表", "2024-06", D(10)),  # 1-1-0002's meter: read once, in 2024
    ]
    window = usages(readings, ("2026-01", "2026-02"))
    whole = usages(readings)
    # January's typo is an error counted from December's 400; February counts from 400 again: 450 − 400 = 50
    assert [(u.period, u.previous, u.usage, u.error is not None) for u in window[("1-1-0001", "电表")]] == [
        ("2026-01", D(400), None, True), ("2026-02", D(400), D(50), False)]
    def seen(series):  # type: ignore[no-untyped-def]
        return [(u.period, u.previous, u.previous_period, u.current, u.usage, u.error and u.error.key) for u in series]

    assert seen(u for u in whole[("1-1-0001", "电表")] if u.period >= "2026-01") == seen(window[("1-1-0001", "电表")])
    assert window[("1-1-0002", "电表")] == []  # read, but not in those months
    units = {u: Unit(u, D(80), "自住", 3, None) for u in ("1-1-0001", "1-1-0002")}
    rates = [parse_rate(rate("电费", "按用量", "0.50", meter="电表"), 0)]
    for series in (window, whole):  # 50 kWh × 0.50 = 25.00; 1-1-0002 has readings but none for February
        lines, skips = compute(units, rates, "2026-02", parse_rounding_fen(), series)
        assert [(x.unit, x.amount) for x in lines] == [("1-1-0001", D("25.00"))]
        assert [(s.unit, s.reason) for s in skips] == [("1-1-0002", "missing")]


def parse_rounding_fen():  # type: ignore[no-untyped-def]
    from propcli.domain.money import parse_rounding

    return parse_rounding("分")
