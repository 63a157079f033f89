"""Meter readings: recording at the desk, importing a reader's sheet (rejected rows to an error file),
and the anomalies to look at before billing."""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal as D
from pathlib import Path

import openpyxl

from propcli.domain.readings import ReadingError, Replacement, Rollover, parse_mark, usage_between
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import fresh_copy, pinned
from tests.fixtures.ledger import build, owner, reading

import pytest


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def readings(path: Path) -> dict[tuple[str, str, str], dict]:
    with Workbook(path) as wb:
        return {(r["unit_id"], r["meter"], r["period"]): r for r in wb.read(schema.READINGS).records()}


# -- the rules -------------------------------------------------------------------------------------


def test_usage_rules():
    assert usage_between(D("1000"), D("1300")) == D("300")
    # replacement: (old final − previous) + (current − new start) = (150 − 120) + (290 − 0) = 320
    assert usage_between(D("120"), D("290"), Replacement(D("150"), D("0"))) == D("320")
    # rollover of a 4-digit meter: 15 + 10000 − 9990 = 25; digits taken from the previous reading
    assert usage_between(D("9990"), D("15"), Rollover()) == D("25")
    # a 5-digit meter that last read 9990: 15 + 100000 − 9990 = 90025
    assert usage_between(D("9990"), D("15"), Rollover(5)) == D("90025")
    with pytest.raises(ReadingError) as exc:
        usage_between(D("1300"), D("1200"))
    assert exc.value.key == "reading.backwards"
    with pytest.raises(ReadingError):
        usage_between(D("120"), D("290"), Replacement(D("100"), D("0")))  # old final below the previous


@pytest.mark.parametrize("text, mark", [
    ("1234.5/0", Replacement(D("1234.5"), D("0"))), ("旧表1234.5/新表3", Replacement(D("1234.5"), D("3"))),
    ("１２３４／０", Replacement(D("1234"), D("0"))), ("翻转", Rollover()), ("翻转5", Rollover(5)),
    ("rollover:6", Rollover(6)), ("", None), (None, None),
])
def test_marks(text, mark):
    assert parse_mark(text) == mark


def test_bad_mark():
    with pytest.raises(ReadingError):
        parse_mark("换了")


# -- meters record ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _meters_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pinned():
        return build(tmp_path_factory.mktemp("meters") / "estate.xlsx",
                     owners=[owner("1-1-101"), owner("1-1-102", status="空置")],
                     readings=[reading("1-1-101", "电表", "2025-01", "1000")])


@pytest.fixture
def estate(_meters_master: Path, tmp_path: Path) -> Path:
    """Built once per session; each test gets its own copy of the xlsx."""
    return fresh_copy(_meters_master, tmp_path / "estate.xlsx")


def test_record_prints_usage(cli, estate):
    result = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "1300", "-p", "2025-02",
                 "--date", "2025-02-25", "--reader", "老王")
    assert result.exit_code == 0, result.output
    assert "电表 用量 300（2025-01 读数 1000 → 1300）" in result.output
    row = readings(estate)[("1-1-101", "电表", "2025-02")]
    assert row["reading"] == D("1300") and row["reader"] == "老王" and row["read_date"].isoformat() == "2025-02-25"


def test_record_backwards_is_refused_with_the_way_out(cli, estate):
    before = sha(estate)
    result = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "900", "-p", "2025-02")
    assert result.exit_code == 1
    assert "读数 900 小于上次读数 1000" in result.output and "--replaced" in result.output
    assert sha(estate) == before


def test_record_replacement_and_rollover(cli, estate):
    result = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "40", "-p", "2025-02",
                 "--replaced", "1100/0")
    assert "用量 140" in result.output  # (1100 − 1000) + (40 − 0)
    assert readings(estate)[("1-1-101", "电表", "2025-02")]["replacement"] == "1100/0"
    result = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "5", "-p", "2025-03",
                 "--rollover", "--digits", "2")
    assert result.exit_code == 0, result.output
    assert "用量 65" in result.output  # a 2-digit meter from 40: 5 + 100 − 40


def test_record_twice_needs_correct(cli, estate):
    cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "1300", "-p", "2025-02")
    again = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "1310", "-p", "2025-02")
    assert again.exit_code == 1 and "已有读数" in again.output and "--correct" in again.output
    fixed = cli("-w", estate, "meters", "record", "1-1-101", "-m", "电表", "-r", "1310", "-p", "2025-02", "--correct")
    assert fixed.exit_code == 0 and "用量 310" in fixed.output
    assert readings(estate)[("1-1-101", "电表", "2025-02")]["reading"] == D("1310")


def test_record_unknown_unit_and_meter(cli, estate):
    assert "找不到房号 9-9-999" in cli("-w", estate, "meters", "record", "9-9-999", "-m", "电表", "-r", "1").output
    result = cli("-w", estate, "meters", "record", "1-1-101", "-m", "热表", "-r", "1")
    assert result.exit_code == 1 and "表计 '热表' 不在" in result.output


# -- meters import ---------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_import_takes_good_rows_and_explains_the_rest(cli, estate, tmp_path):
    src = write_csv(tmp_path / "2月抄表.csv", [
        ["房号", "表计", "账期", "本月读数", "抄表员"],
        ["1-1-101", "电表", "2025-02", "1300", "老王"],
        ["1-1-102", "电表", "2025-02", "50", "老王"],  # a first reading: the meter's base
        ["1-1-102", "水表", "2025年2月", "8", "老王"],
        ["9-9-999", "电表", "2025-02", "10", "老王"],  # unknown unit
        ["1-1-101", "水表", "2025-02", "abc", "老王"],  # not a number
        ["1-1-102", "电表", "2025-02", "60", "老王"],  # twice in this file
        ["1-1-101", "燃气", "2025-02", "1", "老王"],  # unknown meter
    ])
    result = cli("-w", estate, "meters", "import", src, "--yes")
    assert result.exit_code == 0, result.output
    assert "可导入 3 条，拒绝 4 条" in result.output
    got = readings(estate)
    assert got[("1-1-101", "电表", "2025-02")]["reading"] == D("1300")
    assert got[("1-1-102", "水表", "2025-02")]["reading"] == D("8")
    errors = (tmp_path / "2月抄表.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0] == "工作表,行号,原因,房号,表计,账期,本月读数,抄表员"
    reasons = {line.split(",")[1]: line.split(",")[2] for line in errors[1:]}
    assert reasons == {
        "5": "找不到房号 9-9-999",
        "6": "'abc' 不是数字",
        "7": "1-1-102 电表 在本文件中重复（第 3 行已导入）",
        "8": "表计 '燃气' 不在 水表/电表/燃气表 之中",
    }


def test_import_without_anyone_to_ask_takes_nothing_when_rows_are_rejected(cli, estate, tmp_path):
    src = write_csv(tmp_path / "r.csv", [["房号", "表计", "账期", "读数"], ["1-1-101", "电表", "2025-02", "1300"],
                                         ["1-1-101", "水表", "2025-02", "x"]])
    before = sha(estate)
    result = cli("-w", estate, "meters", "import", src)
    assert result.exit_code == 1 and "未导入任何读数" in result.output and "--yes" in result.output
    assert sha(estate) == before
    assert (tmp_path / "r.errors.csv").exists()


def test_import_wide_english_sheet_with_period_option(cli, estate, tmp_path):
    src = tmp_path / "reader.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["二月抄表", None, None])  # a title row above the header
    sheet.append(["unit", "water", "electricity"])
    sheet.append(["1-1-101", 12, 1250.5])
    sheet.append(["1-1-102", 3, None])  # no power reading this month: simply not in the file
    book.save(src)
    result = cli("-w", estate, "meters", "import", src, "--period", "2025-02")
    assert result.exit_code == 0, result.output
    got = readings(estate)
    assert got[("1-1-101", "电表", "2025-02")]["reading"] == D("1250.5")
    assert got[("1-1-101", "水表", "2025-02")]["reading"] == D("12")
    assert got[("1-1-102", "水表", "2025-02")]["reading"] == D("3")
    assert ("1-1-102", "电表", "2025-02") not in got


def test_import_backwards_rejected_and_dry_run_writes_nothing(cli, estate, tmp_path):
    src = write_csv(tmp_path / "b.csv", [["房号", "表计", "账期", "读数"], ["1-1-101", "电表", "2025-02", "990"],
                                         ["1-1-102", "电表", "2025-02", "5"]])
    before = sha(estate)
    result = cli("-w", estate, "meters", "import", src, "--dry-run")
    assert result.exit_code == 0
    assert sha(estate) == before
    assert not (tmp_path / "b.errors.csv").exists()  # a dry run writes nothing at all, the errors file neither
    assert "读数 990 小于上次读数 1000" in result.stderr and "b.errors.csv" in result.stderr
    result = cli("-w", estate, "meters", "import", src, "--yes")
    assert result.exit_code == 0
    text = (tmp_path / "b.errors.csv").read_text(encoding="utf-8-sig")
    assert "读数 990 小于上次读数 1000" in text


# -- anomalies -------------------------------------------------------------------------------------


def test_anomalies(cli, tmp_path):
    months = [f"2025-{m:02d}" for m in range(1, 9)]
    rows = []
    # 1-1-101: 10 a month, then 40 in August: 40 > 3 × median 10 → spike
    rows += [reading("1-1-101", "水表", p, str(10 * i)) for i, p in enumerate(months[:7])]
    rows.append(reading("1-1-101", "水表", "2025-08", "100"))
    # 1-1-102: 10 a month, then exactly 30 (3 × median, not above) → not flagged
    rows += [reading("1-1-102", "水表", p, str(10 * i)) for i, p in enumerate(months[:7])]
    rows.append(reading("1-1-102", "水表", "2025-08", "90"))
    # 1-1-201 (自住): zero usage in August → flagged; 1-1-202 (空置): zero is expected
    rows += [reading(u, "水表", p, v) for u in ("1-1-201", "1-1-202") for p, v in (("2025-07", "5"), ("2025-08", "5"))]
    # 1-1-301: read in July, not in August → missing
    rows.append(reading("1-1-301", "水表", "2025-07", "7"))
    # 1-1-302: going backwards with no mark → error
    rows += [reading("1-1-302", "水表", "2025-07", "50"), reading("1-1-302", "水表", "2025-08", "40")]
    units = ["1-1-101", "1-1-102", "1-1-201", "1-1-202", "1-1-301", "1-1-302"]
    path = build(tmp_path / "a.xlsx", owners=[owner(u, status="空置" if u == "1-1-202" else "自住") for u in units],
                 readings=rows)
    result = cli("-w", path, "meters", "anomalies", "--period", "2025-08", "-f", "csv")
    assert result.exit_code == 3
    lines = [line.split(",") for line in result.output.strip().lstrip("\ufeff").splitlines()[1:]]
    assert [(cells[0], cells[2]) for cells in lines] == [
        ("1-1-302", "错误"), ("1-1-101", "突增"), ("1-1-201", "零用量"), ("1-1-301", "缺读数")]
    spike = lines[1]
    assert spike[5] == "40" and spike[6] == "10"  # usage 40 against a median of 10
