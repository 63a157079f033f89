"""Work orders and complaints through the CLI on copies of the sample: the steps, the deadlines they
store, the paid repair's bill, the morning lists (golden files checked by hand against the sample's
open cases), the figures of a small hand-made month, and every bad input refused with the workbook
untouched."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

import pytest

from propcli.domain.deadlines import parse_rule
from propcli.ops import service
from propcli.reports.figures import figures
from propcli.store import schema
from propcli.store.workbook import Workbook

AS_OF = "2026-11-23"


def sha(path) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(path, spec):  # type: ignore[no-untyped-def]
    with Workbook(path) as wb:
        return {r.values.get(spec.primary[0]): r.values for r in wb.read(spec).rows}


def test_golden_due_and_overdue_complaints(cli, golden, sample_readonly):
    # Hand-checked against the sample's morning (generate.py _morning and the year's unvisited orders):
    # GD2026110021 reported Sun 11-22 19:05, 派工 2小时 → 21:05, not dispatched: 逾期 1天 (judged at 23:59);
    # GD2026110022 dispatched Fri 11-20 16:40, 完工 3天 → Mon 11-23 23:59: due today;
    # GD2026110023 安全设施 done Sat 11-21 15:00, 回访 2天 → 11-23 23:59; GD2026110024 a Friday-evening leak
    # fixed on Saturday 11-21 10:00, awaiting its leak test (no visit deadline yet);
    # TS2026110004 一般 received Thu 11-19 10:15, 解决 2天 → Sat 11-21 23:59: 逾期 2天.
    for name, args in (("workorders_due.csv", ("workorders", "due")),
                       ("complaints_overdue.csv", ("complaints", "list", "--overdue"))):
        result = cli("-w", sample_readonly, *args, "--as-of", AS_OF, "-f", "csv")
        assert result.exit_code == 0, result.output
        golden(name, result.stdout)
    due = list(csv.DictReader(io.StringIO(cli("-w", sample_readonly, "workorders", "due", "--as-of", AS_OF, "-f", "csv").stdout.lstrip("\ufeff"))))
    by = {(r["编号"], r["环节"]): r for r in due}
    assert by[("GD2026110021", "派工")]["期限"] == "2026-11-22 21:05"
    assert by[("GD2026110022", "完工")]["期限"] == "2026-11-23 23:59"
    assert by[("TS2026110004", "解决")]["状态"] == "逾期 2天"
    assert all("****" in r["联系电话"] for r in due if r["联系电话"])  # masked without --unmask


def test_a_repair_from_report_to_visit_and_its_bill(cli, sample):
    before = cli("-w", sample, "workorders", "open", "2-1-0301", "--content", "换门锁", "--category", "门窗", "--paid",
                 "--at", "2026年11月23日 9:30")
    assert before.exit_code == 0, before.output
    number = before.stdout.strip()
    assert number.startswith("GD202611")
    assert cli("-w", sample, "workorders", "assign", number, "--to", "李师傅", "--at", "2026-11-23T10:00").exit_code == 0
    assert cli("-w", sample, "workorders", "assign", number, "--to", "王师傅", "--at", "2026-11-23T12:00").exit_code == 0
    assert rows(sample, schema.WORK_ORDERS)[number]["assigned_at"] == dt.datetime(2026, 11, 23, 10, 0)  # handed over
    assert cli("-w", sample, "workorders", "done", number, "--at", "2026-11-23 15:00", "--fee", "80").exit_code == 0
    row = rows(sample, schema.WORK_ORDERS)[number]
    # 派工 2小时 from 09:30 → 11:30; 完工 3天 from 10:00 → 11-26 23:59; 回访 2天 from 15:00 → 11-25 23:59
    assert (row["assign_due"], row["done_due"], row["visit_due"]) == (
        dt.datetime(2026, 11, 23, 11, 30), dt.datetime(2026, 11, 26, 23, 59), dt.datetime(2026, 11, 25, 23, 59))
    bill = rows(sample, schema.BILLS)[row["bill_id"]]
    assert (bill["item"], bill["amount"], bill["unit_id"], bill["period"]) == ("有偿维修费", Decimal("80.00"), "2-1-0301", "2026-11")
    assert bill["due_date"] == dt.date(2026, 12, 8)  # 15 days (小区信息 缴费期限) after the completion
    report = json.loads(cli("-w", sample, "arrears", "report", "--as-of", "2026-12-20", "-f", "json").stdout)
    assert any(r["unit_id"] == "2-1-0301" for r in report["debtors"]["rows"])  # collected like any bill
    assert cli("-w", sample, "workorders", "visit", number, "--result", "不满意", "--reopen", "--note", "锁仍卡",
               "--at", "2026-11-23 18:00").exit_code == 0
    row = rows(sample, schema.WORK_ORDERS)[number]
    assert row["done_at"] is None and row["reopened"] == 1 and "（返修）" in row["visit_result"]
    assert row["done_due"] == dt.datetime(2026, 11, 26, 23, 59)  # 3天 again from the reopening at 18:00


def test_complaint_steps(cli, sample):
    out = cli("-w", sample, "complaints", "open", "--unit", "3-1-0201", "--severity", "重要", "--subject", "噪音",
              "--at", "2026-11-23 17:30")
    number = out.stdout.strip()
    assert cli("-w", sample, "complaints", "forward", number, "--to", "工程部经理", "--at", "2026-11-23 18:45").exit_code == 0
    assert cli("-w", sample, "complaints", "resolve", number, "--result", "已协调", "--at", "2026-11-23 20:00").exit_code == 0
    row = rows(sample, schema.COMPLAINTS)[number]
    # 转呈 1小时 → 18:30 (forwarded 15 minutes late); 解决 3天 → 11-26 23:59; 答复 the day it was solved
    assert row["forward_due"] == dt.datetime(2026, 11, 23, 18, 30)
    assert row["resolve_due"] == dt.datetime(2026, 11, 26, 23, 59)
    assert row["answer_due"] == dt.datetime(2026, 11, 23, 23, 59) and row["status"] == "已解决"


@pytest.mark.parametrize("args, named", [
    (("workorders", "assign", "GD2099010001", "--to", "李"), "工单号"),
    (("complaints", "answer", "TS2099010001"), "投诉号"),
    (("workorders", "visit", "GD2026110022", "--result", "满意"), "完成时间"),  # not completed yet
    (("workorders", "done", "GD2026110021"), "派工"),  # never dispatched
    (("workorders", "assign", "GD2026110021", "--to", "李", "--at", "2026-11-22 08:00"), "--at"),  # before the report
    (("workorders", "open", "1-1-0101", "--content", "x", "--at", "2999-01-01 09:00"), "--at"),  # the future
    (("workorders", "open", "1-1-0101", "--content", "x", "--category", "电梯"), "--category"),
    (("complaints", "open", "--severity", "严重", "--subject", "x"), "--severity"),
    (("workorders", "done", "GD2026110022", "--fee", "八十"), "--fee"),
    (("workorders", "open", "1-1-0101", "--content", "x", "--at", "明天早上"), "--at"),
])
def test_bad_input_exits_1_names_it_and_leaves_the_workbook(cli, sample, args, named):
    before = sha(sample)
    result = cli("-w", sample, *args)
    assert result.exit_code == 1, result.output
    assert named in result.output and "—" in result.output  # the place, then the fix
    assert sha(sample) == before


def test_bad_policy_cell_and_hand_typed_rows(cli, sample):
    from openpyxl import load_workbook

    wb = load_workbook(sample)
    ws = wb["时限规则"]
    ws.cell(row=3, column=4, value="三天")
    wo = wb["报修工单"]
    wo.append(["GD2026119001", "1-1-0101", "2026-11-20 09:00", None, None, "电梯", "按钮坏"])
    wo.append(["GD2026119002", "1-1-0101", "2026年11月20日 9:00", None, None, "水电", "漏水"])  # hand-typed, usable
    wb.save(sample)
    before = sha(sample)
    result = cli("-w", sample, "workorders", "due", "--as-of", AS_OF)
    assert result.exit_code == 1 and "时限规则" in result.output and "时限" in result.output and sha(sample) == before
    found = cli("-w", sample, "check", "workorders")
    assert found.exit_code == 3
    assert "时限规则" in found.output and "GD2026119001" not in found.output  # the row is named by its cell
    assert "'电梯'" in found.output or "电梯" in found.output


def test_hand_typed_rows_count_like_command_rows(sample):
    with Workbook(sample) as wb:
        cases, problems = service.cases(wb, service.ORDERS)
    assert not problems
    hand = [c for c in cases if c.values.get("assign_due") is None]  # the sample's rows typed without deadlines
    assert hand and all(c.track("派工").due is not None for c in hand)  # deadlines from today's policy


def _case(reg, rules, row, **values):  # type: ignore[no-untyped-def]
    from propcli.domain import deadlines as d

    subject = values.get("category") or values.get("severity")
    ev = service.events(reg, values)
    tracks = d.tracks(rules, subject, reg.steps, ev, {})
    return service.Case(reg, row, values.get("order_no") or values.get("complaint_no"), values.get("unit_id", ""),
                        subject, values, tuple(tracks))


def test_monthly_figures_worked_by_hand():
    T = dt.datetime
    rules = [parse_rule(v) for v in schema.DEADLINES_DEFAULTS]
    o = service.ORDERS
    orders = [
        # A: 水电, done in time (完工 3天), visited on time (回访 2天 from 11-03 10:00 → 11-05 23:59), 满意
        _case(o, rules, 2, order_no="A", unit_id="1-1-0101", category="水电", reported_at=T(2026, 11, 2, 9), assigned_at=T(2026, 11, 2, 10),
              done_at=T(2026, 11, 3, 10), visited_at=T(2026, 11, 4, 9), satisfaction="满意", charge=Decimal("80")),
        # B: 门窗, done late (派工 11-02 10:00 + 3天 → 11-05 23:59; done 11-07), visited late (due 11-09, visited 11-12), 不满意
        _case(o, rules, 3, order_no="B", unit_id="1-1-0102", category="门窗", reported_at=T(2026, 11, 2, 9), assigned_at=T(2026, 11, 2, 10),
              done_at=T(2026, 11, 7, 10), visited_at=T(2026, 11, 12, 9), satisfaction="不满意"),
        # C: 水电 done 11-20, visit due 11-22, not visited by 11-30: counts below the line of 回访率
        _case(o, rules, 4, order_no="C", unit_id="2-1-0101", category="水电", reported_at=T(2026, 11, 19, 9), assigned_at=T(2026, 11, 19, 10),
              done_at=T(2026, 11, 20, 10)),
        # D: 渗漏 done 11-29, no leak test yet: not due for a visit; E: reported in October, done in November
        _case(o, rules, 5, order_no="D", unit_id="2-1-0102", category="渗漏", reported_at=T(2026, 11, 28, 9), assigned_at=T(2026, 11, 28, 10),
              done_at=T(2026, 11, 29, 10)),
        _case(o, rules, 6, order_no="E", unit_id="2-1-0103", category="其他", reported_at=T(2026, 10, 30, 9), assigned_at=T(2026, 10, 30, 10),
              done_at=T(2026, 11, 1, 10), visited_at=T(2026, 11, 2, 10), satisfaction="基本满意"),
    ]
    c = service.COMPLAINTS
    complaints = [_case(c, rules, 2, complaint_no="X", severity="重要", received_at=T(2026, 11, 23, 17, 30),
                        forwarded_at=T(2026, 11, 23, 18, 45), resolved_at=T(2026, 11, 25, 15))]
    fig = figures(orders, complaints, "2026-11", dt.date(2026, 11, 30), lambda unit: unit.split("-")[0])
    assert fig.reported == ("A", "B", "C", "D")  # E was reported in October
    assert fig.completed == ("A", "B", "C", "D", "E")
    r = {x.key: x for x in fig.ratios}
    assert (r["on_time_completion"].numerator, r["on_time_completion"].denominator) == (("A", "C", "D", "E"), ("A", "B", "C", "D", "E"))
    assert r["on_time_completion"].value == Decimal("0.8000")  # 4/5
    assert r["visit_rate"].denominator == ("A", "B", "C", "E") and r["visit_rate"].value == Decimal("0.7500")  # 3/4
    assert r["on_time_visit"].numerator == ("A", "E")  # 2/4
    assert r["satisfaction"].numerator == ("A", "E") and r["satisfaction"].value == Decimal("0.6667")  # 2/3
    assert fig.by_category == {"水电": 2, "门窗": 1, "渗漏": 1} and fig.by_building == {"1": 2, "2": 2}
    assert fig.paid_income == Decimal("80")
    assert r["complaints_重要_转呈"].value == Decimal("0") and r["complaints_重要_解决"].value == Decimal("1")
    # 答复 counts from 解决 (11-25 15:00) 当天 → due 11-25 23:59, not made by 11-30: 0 of 1
    assert (r["complaints_重要_答复"].numerator, r["complaints_重要_答复"].denominator) == ((), ("X",))


def test_init_writes_the_policy_and_old_workbooks_get_it_with_init(cli, tmp_path):
    new = tmp_path / "new.xlsx"
    assert cli("init", str(new), "--name", "测试小区").exit_code == 0
    with Workbook(new) as wb:
        read = service.policy_read(wb)
    assert read.from_workbook and len(read.rules) == len(schema.DEADLINES_DEFAULTS) and not read.problems
    assert cli("-w", new, "workorders", "policy", "--init").exit_code == 1  # already there: nothing changed


def test_a_working_day_deadline_beyond_the_calendar_is_said_beside_it(cli, sample):
    from openpyxl import load_workbook

    wb = load_workbook(sample)
    ws = wb["时限规则"]
    for row in ws.iter_rows(min_row=2):
        if (row[0].value, row[1].value) == ("全部", "完工"):
            row[3].value = "30工作日"  # from a dispatch on 2026-11-23, 30 working days reach into 2027
    wb.save(sample)
    number = cli("-w", sample, "workorders", "open", "1-1-0101", "--content", "换灯", "--at", "2026-11-23 09:00").stdout.strip()
    assert cli("-w", sample, "workorders", "assign", number, "--to", "李师傅", "--at", "2026-11-23 09:30").exit_code == 0
    due = rows(sample, schema.WORK_ORDERS)[number]["done_due"]
    # Nov 24–30: 5 working days; December 2026: 23 (Dec 1–31 weekdays) → 28; 2027 unknown: Fri 1 Jan (29),
    # Mon 4 Jan (30): Monday–Friday counting gives 2027-01-04 23:59.
    assert due == dt.datetime(2027, 1, 4, 23, 59)
    shown = cli("-w", sample, "workorders", "list", "--as-of", "2026-11-28", "-f", "csv").stdout
    line = next(x for x in shown.splitlines() if x.startswith(number))
    assert "2027-01-04 23:59" in line and "按周一至周五计（2027年官方日历未发布）" in line


def test_unmask_shows_the_phone(cli, sample_readonly):
    masked = cli("-w", sample_readonly, "workorders", "due", "--as-of", AS_OF, "-f", "csv").stdout
    full = cli("-w", sample_readonly, "workorders", "due", "--as-of", AS_OF, "-f", "csv", "--unmask").stdout
    assert "151****4737" in masked and "151****4737" not in full and "****" not in full


def test_check_names_each_unusable_hand_typed_row(cli, sample):
    from openpyxl import load_workbook

    wb = load_workbook(sample)
    ws = wb["报修工单"]
    head = [c.value for c in ws[1]]
    at = {h: i for i, h in enumerate(head)}
    first = ws.max_row + 1
    for values in ({"工单号": "GD2026119001", "报修时间": "昨天上午", "类别": "水电"},
                   {"工单号": "GD2026119002", "报修时间": "2026-11-20 09:00", "类别": "电梯"},
                   {"工单号": "GD2026119003", "报修时间": "2026-11-20 09:00", "完成时间": "2026-11-19 09:00"},
                   {"报修时间": "2026-11-20 09:00", "内容": "没有编号"}):
        row = [None] * len(head)
        for k, v in values.items():
            row[at[k]] = v
        ws.append(row)
    wb.save(sample)
    out = cli("-w", sample, "check", "workorders", "-f", "json")
    assert out.exit_code == 3
    found = [(p["row"], p["column"]) for p in json.loads(out.stdout)["problems"]["rows"]]
    assert found == [(first, "报修时间"), (first + 1, "类别"), (first + 2, "完成时间"), (first + 3, "工单号")]
    everything = cli("-w", sample, "check", "-f", "json")  # the drop-down check finds 电梯 too: named once
    cells = [(p["row"], p["column"]) for p in json.loads(everything.stdout)["problems"]["rows"]]
    assert cells.count((first + 1, "类别")) == 1
    due = cli("-w", sample, "workorders", "due", "--as-of", AS_OF)
    assert due.exit_code == 0  # the morning list still comes: the unusable rows are left out, check names them
    assert "4 处登记无法使用" in due.output


def test_dry_runs_change_nothing(cli, sample):
    before = sha(sample)
    for args in (("workorders", "open", "1-1-0101", "--content", "换灯", "--at", "2026-11-23 09:00"),
                 ("workorders", "assign", "GD2026110021", "--to", "李师傅", "--at", "2026-11-23 08:00"),
                 ("complaints", "resolve", "TS2026110004", "--result", "已清理", "--at", "2026-11-23 10:00"),
                 ("workorders", "policy", "--init")):
        result = cli("-w", sample, *args, "--dry-run")
        assert result.exit_code in (0, 1), (args, result.output)  # policy --init: the sheet is there already
        assert sha(sample) == before, args


def test_summary_drill_down_lists_the_rows_behind_a_figure(cli, sample_readonly):
    fig = json.loads(cli("-w", sample_readonly, "workorders", "summary", "--period", "2026-10", "-f", "json").stdout)
    visit = next(r for r in fig["figures"]["rows"] if r["key"] == "visit_rate")
    rows_ = json.loads(cli("-w", sample_readonly, "workorders", "summary", "--period", "2026-10", "--explain", "回访率",
                           "-f", "json").stdout)["rows"]["rows"]
    assert len(rows_) == visit["of"] and sum(r["counted"] == "✓" for r in rows_) == visit["count"]
    assert Decimal(visit["rate"]) == (Decimal(visit["count"]) / Decimal(visit["of"])).quantize(Decimal("0.0001"))
    bad = cli("-w", sample_readonly, "workorders", "summary", "--period", "2026-10", "--explain", "好评率")
    assert bad.exit_code == 1 and "--explain" in bad.output
