"""`propcli arrears`: the report, the due list, the contact log and the public list on a small estate
whose every number is worked out by hand below, plus bad input and the cron run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import ROOT, Cli, fresh_copy, pinned
from tests.fixtures.ledger import build, owner, rate

PERIODS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def _arrears_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pinned():
        cli = Cli()
        path = build(tmp_path_factory.mktemp("arrears") / "estate.xlsx", owners=[
            owner("1-1-101", area="100", name="王小明"), owner("1-1-102", area="80", status="出租", name="李四"),
            owner("2-1-201", area="120", name="赵六"),
        ], rates=[rate("物业费", "按面积", "2.50")])
        for period in PERIODS:
            assert cli("-w", path, "billing", "run", "--period", period).exit_code == 0
        assert cli("-w", path, "payments", "record", "1-1-101", "--amount", "600",
                   "--date", "2025-04-02").exit_code == 0
        assert cli("-w", path, "owners", "transfer", "2-1-201", "--to", "钱七", "--date", "2025-04-10").exit_code == 0
    return path


@pytest.fixture
def estate(_arrears_master: Path, tmp_path: Path) -> Path:
    """Three units at 2.50 元/㎡·月, billed January to June 2025 (due the 15th of the month after):

    - 1-1-101 王小明 自住 100 ㎡: 250.00 a month; paid 600.00 on 2025-04-02 (Jan, Feb and 100 of Mar).
    - 1-1-102 李四 出租 80 ㎡: 200.00 a month; never paid.
    - 2-1-201 赵六 自住 120 ㎡: 300.00 a month; sold to 钱七 on 2025-04-10, nothing paid.

    Built once per session; each test gets its own copy of the xlsx.
    """
    return fresh_copy(_arrears_master, tmp_path / "estate.xlsx")


def report(cli, path: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = cli("-w", path, "arrears", "report", "--as-of", "2025-07-20", "-f", "json", "--unmask", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def debtors(data: dict) -> list[dict]:
    return data["debtors"]["rows"]


def by_unit(data: dict) -> dict[str, dict]:
    return {(d["unit_id"] + ("/former" if d["owner"]["transfer_date"] else "")): d for d in debtors(data)}


def test_report_worked_example(cli, estate):
    data = report(cli, estate)
    units = by_unit(data)
    # 1-1-101 owes March's last 150.00 (due 04-15) and April–June (250.00 each): 900.00. March is in its
    # 4th overdue month on 07-20 (07-15 + 5 days).
    a = units["1-1-101"]
    assert (a["total"], a["months"], a["bucket"], a["since"], a["periods"]) == ("900.00", 4, "4–6", "2025-03", 4)
    # 1-1-102 owes six months of 200.00; January (due 02-15) is in its 6th month.
    b = units["1-1-102"]
    assert (b["total"], b["months"], b["since"]) == ("1200.00", 6, "2025-01")
    assert b["phone"] is None and b["owner"] == {"name": "李四", "transfer_date": None, "unregistered": False}
    # 2-1-201: January to March (before the sale on 04-10) stay with 赵六; April to June are 钱七's.
    old, new = units["2-1-201/former"], units["2-1-201"]
    assert old["owner"] == {"name": "赵六", "transfer_date": "2025-04-10", "unregistered": False}
    assert old["total"] == "900.00" and old["months"] == 6
    assert new["owner"]["name"] == "钱七" and new["total"] == "900.00" and new["months"] == 3
    assert data["debtors"]["total"]["total"] == "3900.00"
    assert data["debtors"]["total"]["items"] == {"物业费": "3900.00"}
    # the totals views reconcile with the detail and with each other
    assert [(r["building"], r["debtors"], r["total"]) for r in data["by_building"]["rows"]] == [
        ("1", 2, "2100.00"), ("2", 2, "1800.00")]
    assert data["by_building"]["total"] == {"debtors": 4, "total": "3900.00"}
    assert [(r["item"], r["bills"], r["total"]) for r in data["by_item"]["rows"]] == [("物业费", 16, "3900.00")]
    assert data["by_item"]["total"] == {"bills": 16, "total": "3900.00"}
    # by each bill's own age: 1–3 months: 101's Apr–Jun 750 + 102's Apr–Jun 600 + 钱七's 900 = 2250;
    # 4–6 months: 101's Mar 150 + 102's Jan–Mar 600 + 赵六's 900 = 1650
    buckets = {r["bucket"]: (r["bills"], r["total"]) for r in data["by_age"]["rows"]}
    assert buckets["1–3"] == (9, "2250.00") and buckets["4–6"] == (7, "1650.00")
    assert buckets["7–12"] == (0, "0.00") and data["by_age"]["total"] == {"bills": 16, "total": "3900.00"}


def test_as_of_an_earlier_day_undoes_later_payments(cli, estate):
    # on 2025-04-01 the 600.00 of 04-02 had not come in: 101 owed January and February (March not yet due)
    data = json.loads(cli("-w", estate, "arrears", "report", "--as-of", "2025-04-01", "-f", "json").stdout)
    a = by_unit(data)["1-1-101"]
    assert (a["total"], a["months"], a["since"]) == ("500.00", 2, "2025-01")


def test_a_payment_voided_later_still_counts_on_the_days_it_stood(cli, estate):
    # the 600.00 of 2025-04-02 is voided on 2025-08-01: on 07-20 it still stood (101 owed 900.00), today
    # January and February are open again
    assert cli("-w", estate, "payments", "void", "SJ2025000001", "--reason", "银行退票", "--date", "2025-08-01").exit_code == 0
    assert by_unit(report(cli, estate))["1-1-101"]["total"] == "900.00"
    data = json.loads(cli("-w", estate, "arrears", "report", "--as-of", "2025-08-02", "-f", "json").stdout)
    assert by_unit(data)["1-1-101"]["total"] == "1500.00"


def test_a_remembered_report_is_never_stale_and_keeps_its_log_line(cli, estate):
    memo = estate.parent / ".propcli" / "cache"
    first = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-f", "json")
    again = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-f", "json")
    assert len(list(memo.glob("out-*.bin"))) == 1  # asked again: written from the remembered output
    assert again.stdout == first.stdout
    for result in (first, again):  # the cron log line says the same figures (worked example: 4 debtors, 3900.00)
        assert "4 户欠费 3,900.00 元" in result.stderr and "今日应办 8 项" in result.stderr
    [entry] = memo.glob("out-*.bin")
    for damaged in (b"not json\n" + entry.read_bytes(), b'{"content": "x"}\nother bytes',
                    entry.read_bytes().replace(b'"debtors"', b'"d"', 1)):  # unreadable, foreign, a note lacking a figure
        entry.write_bytes(damaged)
        again = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-f", "json")
        assert again.stdout == first.stdout and "4 户欠费 3,900.00 元" in again.stderr  # computed again
    # another question on the same bytes is not that answer: building 2 only, or the phones shown
    assert [d["unit_id"] for d in debtors(report(cli, estate, "--building", "2"))] == ["2-1-201", "2-1-201"]
    # 李四 pays 400.00 on 07-01, into his oldest bills first (January and February): on 07-20 he owes
    # 1200.00 − 400.00 = 800.00 since March — the workbook's bytes changed, so the report is computed again
    assert cli("-w", estate, "payments", "record", "1-1-102", "--amount", "400", "--date", "2025-07-01").exit_code == 0
    after = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-f", "json")
    b = by_unit(json.loads(after.stdout))["1-1-102"]
    assert (b["total"], b["since"]) == ("800.00", "2025-03")
    assert "4 户欠费 3,500.00 元" in after.stderr


def test_filters(cli, estate):
    assert [d["unit_id"] for d in debtors(report(cli, estate, "--building", "2"))] == ["2-1-201", "2-1-201"]
    assert [d["unit_id"] for d in debtors(report(cli, estate, "--min-months", "5"))] == ["1-1-102", "2-1-201"]
    assert debtors(report(cli, estate, "--item", "水费")) == []


def test_names_and_phones_masked_unless_unmask(cli, estate):
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.OWNERS)
        wb.update(table, table.index("unit_id")["1-1-101"], {"phone": "13812345678"}, key="1-1-101")
        wb.commit("test")
    masked = json.loads(cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-f", "json").stdout)
    a = by_unit(masked)["1-1-101"]
    assert (a["owner"]["name"], a["phone"]) == ("王**", "138****5678")
    assert by_unit(report(cli, estate))["1-1-101"]["phone"] == "13812345678"


def test_ladder_due_list_and_log(cli, estate):
    due = cli("-w", estate, "arrears", "due", "--as-of", "2025-07-20", "-f", "csv", "--unmask")
    rows = list(csv.DictReader(io.StringIO(due.stdout.lstrip("\ufeff"))))
    # nobody was contacted: 书面通知 and 短信 for each debtor, due the day after its oldest bill fell due;
    # the former owner's debts are on the list too
    assert [(r["房号"], r["应办"], r["应办日期"]) for r in rows] == [
        ("1-1-101", "书面通知", "2025-04-16"), ("1-1-101", "短信", "2025-04-16"),
        ("1-1-102", "书面通知", "2025-02-16"), ("1-1-102", "短信", "2025-02-16"),
        ("2-1-201", "书面通知", "2025-02-16"), ("2-1-201", "短信", "2025-02-16"),
        ("2-1-201", "书面通知", "2025-05-16"), ("2-1-201", "短信", "2025-05-16"),
    ]
    assert rows[2]["已过天数"] == "154"  # 2025-02-16 → 2025-07-20
    for args in (("--channel", "书面通知", "--outcome", "已送达", "--date", "2025-02-20"),
                 ("--channel", "短信", "--outcome", "已发送", "--date", "2025-02-20"),
                 ("--channel", "电话", "--outcome", "承诺月底缴清", "--date", "2025-03-10", "--promise", "2025-03-31")):
        result = cli("-w", estate, "arrears", "log", "1-1-102", *args)
        assert result.exit_code == 0, result.output
    # after the call, the clerk is told what comes next: the letter, three months after the call
    assert "已记录：1-1-102 2025-03-10 电话（承诺月底缴清）" in result.stderr
    assert "下一步：催缴函，应办日期 2025-06-10" in result.stderr
    with Workbook(estate) as wb:
        logged = wb.read(schema.REMINDERS).records()
        journal = wb.read(schema.JOURNAL).records()
    assert [(r["channel"], str(r["date"]), r["promise_date"] and str(r["promise_date"])) for r in logged] == [
        ("书面通知", "2025-02-20", None), ("短信", "2025-02-20", None), ("电话", "2025-03-10", "2025-03-31")]
    assert journal[-1]["command"] == "arrears log 1-1-102 电话" and journal[-1]["sheet"] == "催缴记录"
    # 102 (出租, no visit): a 催缴函 three months after the phone call (06-10); the promise of 03-31 was broken
    b = by_unit(report(cli, estate))["1-1-102"]
    assert (b["stage"], b["next"], b["next_due"]) == ({"channel": "电话", "date": "2025-03-10"}, "催缴函", "2025-06-10")
    assert b["promise"] == {"date": "2025-03-31", "broken": True}
    assert b["last_contact"] == {"date": "2025-03-10", "channel": "电话"} and b["outcome"] == "承诺月底缴清"


def test_a_pending_promise_keeps_a_debtor_off_the_due_list(cli, estate):
    cli("-w", estate, "arrears", "log", "1-1-101", "--channel", "书面通知", "--outcome", "已送达，业主回复月底前缴清",
        "--date", "2025-07-18", "--promise", "2025-07-31")
    due = cli("-w", estate, "arrears", "due", "--as-of", "2025-07-20", "-f", "csv").stdout
    assert "1-1-101" not in due and "1-1-102" in due
    # the SMS waits for the day after the promise; the phone call comes 15 days after the notice
    a = by_unit(report(cli, estate))["1-1-101"]
    assert (a["next"], a["next_due"], a["promise"]) == ("短信", "2025-08-01", {"date": "2025-07-31", "broken": False})


def test_late_fees_apart_from_the_principal(cli, estate):
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.ESTATE)
        row = next(r for r in table.rows if r.values.get("item") == "滞纳金")
        wb.update(table, row, {"value": "日0.5‰；宽限30天；上限10%"}, key="滞纳金")
        wb.commit("test")
    a = by_unit(report(cli, estate, "--building", "1"))["1-1-101"]
    # as of 07-20: Mar 150 × 0.0005 × (96 − 30) = 4.95; Apr 250 × 0.0005 × (66 − 30) = 4.50;
    # May 250 × 0.0005 × (35 − 30) = 0.625 → 0.63; Jun within the grace: 0
    assert (a["late_fee"], a["total"]) == ("10.08", "900.00")


def test_xlsx_report_is_formatted_and_byte_identical_on_rerun(cli, estate, tmp_path):
    out = tmp_path / "out" / "arrears-{date}.xlsx"
    for _ in range(2):
        assert cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-o", out).exit_code == 0
    path = tmp_path / "out" / "arrears-2025-07-20.xlsx"
    first = sha(path)
    assert cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20", "-o", out).exit_code == 0
    assert sha(path) == first
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["欠费明细", "按楼栋", "按项目", "按账龄"]
    ws = wb["欠费明细"]
    assert ws.freeze_panes == "A2"
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "合计（4 户）" and 3900.0 in last and ws.cell(ws.max_row, 1).font.b
    assert [c.value for c in wb["按账龄"]["A"]][1:] == ["1–3", "4–6", "7–12", "13–24", "25–36", ">36", "合计"]


def test_public_list_masks_names_and_shows_no_phones(cli, estate, tmp_path):
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.OWNERS)
        wb.update(table, table.index("unit_id")["1-1-102"], {"phone": "13812345678"}, key="1-1-102")
        wb.commit("test")
    out = tmp_path / "公示.html"
    result = cli("-w", estate, "arrears", "public", "--as-of", "2025-07-20", "--min-months", "5", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "李*" in html and "李四" not in html and "13812345678" not in html and "5678" not in html
    assert "1-1-101" not in html  # 4 months: under the 5 asked for
    assert "已满 5 个月（共 2 户）" in html and "1200.00" in html


@pytest.mark.parametrize(("args", "says"), [
    (("report", "--as-of", "2025-13-01"), "2025-13-01"),
    (("log", "9-9-999", "--channel", "电话", "--outcome", "无人接听"), "9-9-999"),
    (("log", "1-1-101", "--channel", "微信", "--outcome", "已读"), "微信"),
    (("log", "1-1-101", "--channel", "电话", "--outcome", "承诺", "--date", "2025-07-20", "--promise", "2025-07-01"),
     "2025-07-01"),
])
def test_bad_input_is_named_and_changes_nothing(cli, estate, args, says):
    before = sha(estate)
    result = cli("-w", estate, "arrears", *args)
    assert result.exit_code == 1
    assert says in result.stderr
    assert sha(estate) == before


def test_a_bad_policy_row_is_named_by_sheet_row_and_column(cli, estate):
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.DUNNING)
        wb.update(table, table.rows[3], {"wait": "三个月"}, key="4")
        wb.commit("test")
    result = cli("-w", estate, "arrears", "due", "--as-of", "2025-07-20")
    assert result.exit_code == 1
    assert "催缴规则 › 第 5 行，间隔: 间隔 '三个月' 无法识别 — 写成 15天 或 3个月" in result.stderr


def test_a_policy_may_not_cut_utilities(cli, estate):
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.DUNNING)
        wb.append(table, [{"order": 8, "channel": "上门", "notes": "仍不缴费则停水"}])
        wb.commit("test")
    result = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20")
    assert result.exit_code == 1 and "不得以停水、停电" in result.stderr


# -- cron ------------------------------------------------------------------------------------------


def crontab_command() -> str:
    """The command of the crontab line the README shows (after the five time fields)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if re.match(r"^\d+ \d+ \* \* \* ", x))
    return line.split(None, 5)[5]


def test_the_readme_crontab_line_runs_without_a_terminal(estate, tmp_path):
    command = crontab_command()
    assert "propcli" in command and "{date}" in command
    folder = tmp_path / "office"
    folder.mkdir()
    estate.rename(folder / "estate.xlsx")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "propcli").write_text(f"#!/bin/sh\nexec {sys.executable} -m propcli \"$@\"\n")
    (bindir / "propcli").chmod(0o755)
    command = command.replace("/srv/estate", str(folder))
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "TZ": "Asia/Shanghai"}
    outputs = []
    for _ in range(2):
        done = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                              timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr.decode()
        files = sorted((folder / "reports").glob("*.xlsx"))
        assert len(files) == 1 and re.search(r"\d{4}-\d{2}-\d{2}\.xlsx$", files[0].name)
        outputs.append(files[0].read_bytes())
    assert outputs[0] == outputs[1]  # the same day, the same workbook: the same bytes
    log = (folder / "reports" / "arrears.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 2 and all("arrears report --as-of" in x and "\x1b" not in x for x in log)
    assert all("4 户欠费 3,900.00 元" in x and "→ reports/arrears-" in x for x in log)  # the second: remembered


def test_a_part_payment_after_the_due_date_starts_the_bills_three_years_again(cli, estate):
    def limitation() -> tuple[dict, str]:
        args = ("-w", estate, "arrears", "report", "--as-of", "2028-04-20", "-b", "1")
        data = json.loads(cli(*args, "-f", "json").stdout)
        text = next(r for r in csv.DictReader(io.StringIO(cli(*args, "-f", "csv").stdout.lstrip("\ufeff")))
                    if r["房号"] == "1-1-101")
        return by_unit(data)["1-1-101"]["limitation"], text["诉讼时效"]

    # March (due 2025-04-15) got its 100.00 on 04-02, before it was due: no interruption, time-barred
    # since 2028-04-15; April–June (due 05-15, 06-15, 07-15) end within the 90 days
    assert limitation() == ({"expired": "150.00", "expiring": "750.00", "first_expiry": "2028-05-15"},
                            "已过时效 150.00；⚠ 2028-05-15 时效届满 750.00")
    assert cli("-w", estate, "payments", "record", "1-1-101", "--amount", "50", "--date", "2025-05-01").exit_code == 0
    # 50.00 more into March on 2025-05-01: its three years now end on 2028-05-01 (100.00 still owed)
    assert limitation() == ({"expired": "0.00", "expiring": "850.00", "first_expiry": "2028-05-01"},
                            "⚠ 2028-05-01 时效届满 850.00")


def test_check_dunning_names_every_bad_policy_cell(cli, estate):
    assert cli("-w", estate, "check", "dunning").exit_code == 0
    with Workbook(estate, write=True) as wb:
        table = wb.read(schema.DUNNING)
        wb.update(table, table.rows[2], {"after": "发函"}, key="3")
        wb.update(table, table.rows[3], {"wait": "三个月"}, key="4")
        estate_table = wb.read(schema.ESTATE)
        row = next(r for r in estate_table.rows if r.values.get("item") == "滞纳金")
        wb.update(estate_table, row, {"value": "每天千分之三"}, key="滞纳金")
        wb.commit("test")
    result = cli("-w", estate, "check", "dunning")
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert any("催缴规则 › 第 4 行，起算: 起算 '发函' 不在" in x for x in lines)
    assert any("催缴规则 › 第 5 行，间隔: 间隔 '三个月' 无法识别" in x for x in lines)
    assert any("小区信息" in x and "滞纳金 '每天千分之三' 无法识别" in x for x in lines)


def test_a_workbook_without_a_policy_uses_the_default_and_can_get_one(cli, estate):
    wb = openpyxl.load_workbook(estate)
    del wb["催缴规则"]
    wb.save(estate)
    shown = cli("-w", estate, "arrears", "policy")
    assert shown.exit_code == 0 and "默认：工作簿没有「催缴规则」表" in shown.stdout
    assert "│    4 │ 催缴函   │ 电话     │ 3个月 │" in shown.stdout
    assert cli("-w", estate, "arrears", "policy", "--init").exit_code == 0
    with Workbook(estate) as w:
        steps = w.read(schema.DUNNING).records()
    assert [(s["order"], s["channel"], s["after"], s["wait"]) for s in steps][3:5] == [
        (4, "催缴函", "电话", "3个月"), (5, "上门", "催缴函", "1个月")]
    again = cli("-w", estate, "arrears", "policy", "--init")
    assert again.exit_code == 1 and "催缴规则已有 7 行" in again.stderr


def test_a_bill_without_an_amount_is_named_and_nothing_is_reported(cli, estate):
    with Workbook(estate, write=True) as wb:
        bills = wb.read(schema.BILLS)
        wb.append(bills, [{"bill_id": "ZD202506999999", "unit_id": "1-1-101", "period": "2025-06", "item": "停车费"}])
        wb.commit("test")
    before = sha(estate)
    result = cli("-w", estate, "arrears", "report", "--as-of", "2025-07-20")
    assert result.exit_code == 1
    assert "应收账单 › 第 20 行，金额: 这张账单缺少此项，无法计算欠费 — 补上房号和金额" in result.stderr
    assert sha(estate) == before
