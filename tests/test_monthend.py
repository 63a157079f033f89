"""`propcli month-end`: the month in one command, run as cron runs it (a subprocess, no terminal), killed in
the middle of billing and of the notices, run again — every bill and every notice exactly once; a second
run that skips everything; a dry run and a refused readers' sheet that leave the workbook's bytes as they
were; busy → 4, anomalies → 3 then --yes → 0. And the 托管 rule of the anomaly list, by hand."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.domain.readings import Reading, anomalies, usages
from propcli.ops import meters
from propcli.store import schema
from propcli.store.workbook import Workbook

from .conftest import PINNED_ENV, ROOT, SAMPLE

pytestmark = pytest.mark.xdist_group("monthend")  # one worker: the module's month is run once

READINGS = ROOT / "sample_data" / "readings-2026-11.csv"
PERIOD, AS_OF = "2026-11", "2026-11-25"
BAD_ROWS = (9, 41)  # the sample readers' sheet: a reading below the last (1-1-0402 电表) and an unknown 9-9-9901


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _propcli(workbook: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    """propcli as cron runs it: no terminal on any stream, stdin closed."""
    env = {**os.environ, **PINNED_ENV, "PYTHONPATH": str(ROOT)}
    env.pop("PROPCLI_FAULT", None)
    if fault:
        env["PROPCLI_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "propcli", "-w", str(workbook), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=300)


def _month_end(workbook: Path, out: Path, *extra: str, fault: str | None = None) -> subprocess.CompletedProcess:
    return _propcli(workbook, "month-end", "--period", PERIOD, "--as-of", AS_OF, "-o", str(out), *extra, fault=fault)


def _clean_readings(folder: Path) -> Path:
    """The sample readers' sheet without its two bad rows."""
    rows = READINGS.read_text(encoding="utf-8-sig").splitlines()
    path = folder / "readings-clean.csv"
    path.write_text("\n".join(r for i, r in enumerate(rows, 1) if i not in BAD_ROWS) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample's month end: stopped at the anomalies (3), then with --yes killed in the middle of billing
    (the new workbook written under a temporary name, not yet in place), killed in the middle of the
    notices (their files in place, 通知记录 not yet written), then run to the end (0)."""
    folder = tmp_path_factory.mktemp("monthend")
    book = folder / "estate.xlsx"
    shutil.copy(SAMPLE, book)
    readings = _clean_readings(folder)
    out = folder / "out"
    runs = {"anomalies": _month_end(book, out, "--readings", str(readings))}
    sha_stopped = _sha(book)
    runs["kill_billing"] = _month_end(book, out, "--readings", str(readings), "--yes", fault="month-end.billing")
    sha_killed_billing = _sha(book)
    runs["kill_notices"] = _month_end(book, out, "--readings", str(readings), "--yes", fault="month-end.notices")
    # and once more just after the notices' commit, before the manifest says so: the journal does
    runs["kill_notices_committed"] = _month_end(book, out, "--readings", str(readings), "--yes",
                                                fault="month-end.notices.committed")
    runs["final"] = _month_end(book, out, "--readings", str(readings), "--yes")
    return {"book": book, "out": out / PERIOD, "runs": runs, "readings": readings, "sha_stopped": sha_stopped,
            "sha_killed_billing": sha_killed_billing}


def test_exit_codes_for_cron_and_one_log_line_per_step(month: dict) -> None:
    runs = month["runs"]
    assert runs["anomalies"].returncode == 3, runs["anomalies"].stderr
    assert "读数异常" in runs["anomalies"].stderr and "未说明" in runs["anomalies"].stderr
    assert runs["kill_billing"].returncode == -9 and runs["kill_notices"].returncode == -9
    assert runs["kill_notices_committed"].returncode == -9
    assert month["sha_killed_billing"] == month["sha_stopped"]  # killed before the replace: nothing billed yet
    final = runs["final"]
    assert final.returncode == 0, final.stderr
    lines = [line for line in final.stderr.splitlines() if " month-end 2026-11 " in line]
    steps = ["检查工作簿", "导入读数", "读数异常", "出账", "缴费通知", "欠费报表", "催缴函件", "月度统计", "索引页"]
    assert [line.split(" month-end 2026-11 ")[1].split(":")[0] for line in lines] == ["缴费通知", *steps]
    # the killed runs' finished steps are skipped; billing and the notices were not finished: done now
    assert "检查工作簿: 已完成，跳过" in final.stderr and "读数异常: 已完成，跳过" in final.stderr
    assert "出账: 已完成，跳过" in final.stderr  # billing finished in the second kill run, before the notices
    # the notices' commit landed before the kill: run again, they are found issued, none is issued twice
    assert "缴费通知: 操作日志显示此步已写入工作簿" in final.stderr
    assert "缴费通知: 本期缴费通知 432 份" in final.stderr and "本次新出具 0 份、0 条" in final.stderr


def _bills(book: Path) -> list[tuple]:
    with Workbook(book) as wb:
        cols = wb.columns(schema.BILLS, ("bill_id", "unit_id", "period", "item"))
    return list(zip(cols["bill_id"], cols["unit_id"], cols["period"], cols["item"]))


def test_every_bill_and_every_notice_exactly_once(month: dict) -> None:
    book, out = month["book"], month["out"]
    bills = _bills(book)
    assert len({b[0] for b in bills}) == len(bills), "a bill number twice"
    nov = Counter((u, i) for _, u, p, i in bills if p == PERIOD)
    assert nov and max(nov.values()) == 1, "a unit billed twice for one item"
    with Workbook(SAMPLE) as wb:  # every unit of the sample has 物业费 each month: 432 units
        units = {str(u) for u in wb.columns(schema.OWNERS, ("unit_id",))["unit_id"] if u}
    assert {u for (u, i) in nov if i == "物业费"} == units
    with Workbook(book) as wb:
        cols = wb.columns(schema.NOTICES, ("kind", "ref_period", "unit_id", "channel", "file"))
        reminders = wb.columns(schema.REMINDERS, ("unit_id", "date", "channel", "outcome"))
    issued = Counter(zip(cols["kind"], cols["ref_period"], cols["unit_id"], cols["channel"]))
    assert max(issued.values()) == 1, [k for k, n in issued.items() if n > 1][:5]
    paper = [k for k in issued if k[0] == "缴费通知单" and k[3] == "纸质"]
    assert {k[2] for k in paper} == units and len(paper) == 432
    # the print pack holds each notice once: its 编号 (batch-NNNN) appears on its own page only
    html = (out / "缴费通知-2026-11.html").read_text(encoding="utf-8")
    refs = Counter(part.split("<")[0] for part in html.split("编号：")[1:])
    assert len(refs) == 432 and max(refs.values()) == 1
    assert (out / "缴费通知-2026-11.pdf").read_bytes().startswith(b"%PDF")
    sms = list(csv.reader((out / "缴费短信-2026-11.csv").read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert len(sms) == sum(1 for k in issued if k[0] == "缴费通知单" and k[3] == "短信")
    assert len({r[1] for r in sms}) == len(sms)
    # letters: each logged once in 催缴记录 and recorded once in 通知记录
    logged = Counter((u, c) for u, d, c, o in zip(*reminders.values()) if "TZ20261125" in str(o or ""))
    assert logged and max(logged.values()) == 1
    letters = [k for k in issued if k[0] in ("催缴通知", "催缴函")]
    assert len(letters) == len(logged)


def test_a_second_run_redoes_nothing(month: dict) -> None:
    book, out = month["book"], month["out"]
    before = {p.name: _sha(p) for p in out.iterdir()}
    sha = _sha(book)
    again = _month_end(book, out.parent, "--readings", str(month["readings"]), "--yes")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("已完成，跳过") == 9
    assert _sha(book) == sha
    assert {p.name: _sha(p) for p in out.iterdir()} == before


def test_manifest_and_journal_record_each_step(month: dict) -> None:
    manifest = json.loads((month["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["steps"]) == ["check", "readings", "anomalies", "billing", "notices", "arrears", "dunning",
                                       "stats", "index"]
    assert manifest["steps"]["readings"]["figures"]["readings"] == 862  # 433 rows × (水表, 电表) = 866, less the 2 rows removed: 862
    for step in manifest["steps"].values():
        for name in step["files"]:
            assert (month["out"] / name).is_file(), name
    with Workbook(month["book"]) as wb:
        commands = {str(c) for c in wb.columns(schema.JOURNAL, ("command",))["command"] if c}
    assert {"month-end 2026-11 readings", "month-end 2026-11 billing", "month-end 2026-11 notices",
            "month-end 2026-11 dunning"} <= commands


def test_index_page_links_every_file_and_masks_people(month: dict) -> None:
    out = month["out"]
    page = (out / "index.html").read_text(encoding="utf-8")
    made = {p.name for p in out.iterdir()} - {"index.html", "manifest.json"}
    from urllib.parse import quote

    for name in made:
        assert f'href="{quote(name)}"' in page, name
    for label in ("本期应收", "本期实收", "收费率", "户收费率", "清缴率", "欠费合计", "欠费户数", "本期账单", "打印通知", "读数异常"):
        assert label in page
    with Workbook(month["book"]) as wb:
        phones = [str(p) for p in wb.columns(schema.OWNERS, ("phone",))["phone"] if p]
    reports = [page, (out / "月度统计-2026-11.html").read_text(encoding="utf-8")]
    assert not any(p in text for p in phones for text in reports)


def test_dry_run_changes_nothing(sample: Path, tmp_path: Path) -> None:
    sha = _sha(sample)
    result = _month_end(sample, tmp_path / "out", "--readings", str(_clean_readings(tmp_path)), "--yes", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "出账: 本期账单" in result.stderr and "试运行" in result.stderr
    assert _sha(sample) == sha
    assert not (tmp_path / "out").exists()


def test_bad_readings_sheet_exit_1_names_the_cell_and_touches_nothing(sample: Path, tmp_path: Path) -> None:
    sha = _sha(sample)
    result = _month_end(sample, tmp_path / "out", "--readings", str(READINGS))
    assert result.returncode == 1
    # sheet (the CSV file), row, column and value
    assert "readings-2026-11.csv" in result.stderr and "第 9 行，电表" in result.stderr and "11475" in result.stderr
    assert "第 41 行，房号" in result.stderr and "9-9-9901" in result.stderr
    assert "Traceback" not in result.stderr
    assert _sha(sample) == sha


def test_busy_workbook_exit_4(sample: Path, tmp_path: Path) -> None:
    marker = sample.with_name("~$" + sample.name)
    marker.write_bytes(b"\x00" * 162)
    sha = _sha(sample)
    result = _month_end(sample, tmp_path / "out")
    assert result.returncode == 4, result.stderr
    assert _sha(sample) == sha and not (tmp_path / "out").exists()


# -- the 托管 rule ----------------------------------------------------------------------------------


def _series(unit: str, meter: str, values: list[str]) -> list[Reading]:
    return [Reading(unit, meter, f"2026-{m:02d}", Decimal(v)) for m, v in enumerate(values, 8)]


def test_trust_rule_by_hand() -> None:
    # 2026-08 … 2026-11 readings; November's usage is the last difference:
    #   T1 水表 100 → 102 → 104 → 109: 5 m³, the limit itself — not more, not flagged
    #   T2 水表 100 → 101 → 102 → 107.5: 5.5 m³ > 5 → flagged
    #   T1 电表 1000 → 1010 → 1020 → 1040: 20 kWh, not flagged; T2 电表 1000 → 1001 → 1002 → 1023: 21 > 20 → flagged
    #   S (自住) 水表 100 → 110 → 120 → 130: 10 m³, no 托管 rule (and no spike: its median is 10)
    readings = (_series("T1", "水表", ["100", "102", "104", "109"]) + _series("T2", "水表", ["100", "101", "102", "107.5"])
                + _series("T1", "电表", ["1000", "1010", "1020", "1040"])
                + _series("T2", "电表", ["1000", "1001", "1002", "1023"])
                + _series("S", "水表", ["100", "110", "120", "130"]))
    statuses = {"T1": "托管", "T2": "托管", "S": "自住"}
    limits = {"水表": Decimal(5), "电表": Decimal(20)}
    found = anomalies(usages(readings), "2026-11", statuses, limits)
    assert [(a.unit, a.meter, a.kind, a.usage) for a in found] == [
        ("T2", "水表", "trust", Decimal("5.5")), ("T2", "电表", "trust", Decimal(21))]
    # limits of 4 m³ and 30 kWh: T1's 5 m³ is now over, T2's 21 kWh is not
    found = anomalies(usages(readings), "2026-11", statuses, {"水表": Decimal(4), "电表": Decimal(30)})
    assert [(a.unit, a.meter) for a in found] == [("T1", "水表"), ("T2", "水表")]


def test_trust_limits_live_in_the_estate_sheet(sample: Path) -> None:
    with Workbook(sample) as wb:
        assert meters.trust_limits(wb) == {"水表": Decimal(5), "电表": Decimal(20)}


def test_check_names_a_bad_trust_limit(sample: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with Workbook(sample, write=True) as wb:
        table = wb.read(schema.ESTATE)
        row = next(r for r in table.rows if str(r.values.get("item", "")).startswith("托管用水上限"))
        wb.update(table, row, {"value": "五方"}, key="托管用水上限")
        wb.commit("test")
    result = cli("-w", sample, "check", "meters")
    assert result.exit_code == 3
    assert "托管用量上限 '五方' 不是数字" in result.stdout and "小区信息" in result.stdout


def test_a_change_by_hand_redoes_the_reports_and_nothing_else(month: dict, cli) -> None:  # type: ignore[no-untyped-def]
    """Last in the module: it changes the month's workbook. A payment taken at the desk after the month end:
    the arrears, statistics and index are made again; no bill, notice or letter is issued again."""
    book, out = month["book"], month["out"]
    bills, notices = len(_bills(book)), (out / "缴费通知-2026-11.pdf").read_bytes()
    stats_before = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["steps"]["stats"]["figures"]
    paid = cli("-w", book, "payments", "record", "1-1-0101", "--amount", "50000", "--method", "现金",
               "--date", "2026-11-25")
    assert paid.exit_code == 0, paid.stderr
    again = _month_end(book, out.parent)
    assert again.returncode == 0, again.stderr
    assert "上次运行后工作簿被改动过" in again.stderr
    for step in ("出账", "缴费通知", "催缴函件"):
        assert f"{step}: 已完成，跳过" in again.stderr
    assert "欠费报表: 欠费" in again.stderr and "月度统计: 应收" in again.stderr
    assert len(_bills(book)) == bills and (out / "缴费通知-2026-11.pdf").read_bytes() == notices
    stats_after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["steps"]["stats"]["figures"]
    assert stats_after["billed"] == stats_before["billed"]
    assert stats_after["collected"] != stats_before["collected"]  # 50,000 paid the unit's oldest bills, its November ones too
