"""`propcli check`: silent on the clean sample; on a messy copy (made with openpyxl) one located line per
problem, JSON with the same findings, single checks, and `--fix` repairing only the safe identifiers."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "estate.xlsx"

# What the messy copy holds, by 业主档案 row (the sample's original unit of each row in comments).
DUPLICATE = ("A3", "1-1-0101")  # was 1-1-0102; 1-1-0101 is row 2
NO_NAME = ("E4", None)  # 1-1-0201 李兰晶
SHORT_PHONE = ("F5", "1356513713")  # 1-1-0202, 10 digits
BAD_ID = ("G6", "110101199003070021")  # 1-1-0301; the right check digit is X
ZERO_AREA = ("H7", 0)  # 1-1-0302
TRAILING_SPACE = ("A8", "1-1-0401 ")
LINE_BREAK = ("A9", "1-1-\n0402")
FULL_WIDTH = ("A10", "１-1-0501")
BAD_DATE = ("K11", "2014年13月")  # 1-1-0502's 入住日期
BAD_STATUS = ("J12", "自用")  # 1-1-0601
UNKNOWN_UNIT = "8-8-0808"  # a 过户记录 row, sheet row 6
PROBLEMS = 11
FIXABLE = 3


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def messy_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_data.generate import generate

    path = tmp_path_factory.mktemp("messy") / "messy.xlsx"
    generate(path)  # the sample's owners, without its two years of bills: the owners' checks in view
    wb = openpyxl.load_workbook(path)
    ws = wb["业主档案"]
    assert [ws[f"A{r}"].value for r in range(2, 13)] == [
        "1-1-0101", "1-1-0102", "1-1-0201", "1-1-0202", "1-1-0301", "1-1-0302", "1-1-0401", "1-1-0402",
        "1-1-0501", "1-1-0502", "1-1-0601"]
    for ref, value in (DUPLICATE, NO_NAME, SHORT_PHONE, BAD_ID, ZERO_AREA, TRAILING_SPACE, LINE_BREAK,
                       FULL_WIDTH, BAD_DATE, BAD_STATUS):
        ws[ref] = value
    transfers = wb["过户记录"]
    assert transfers.max_row == 5
    transfers.append([UNKNOWN_UNIT, "2024-01-05", "甲", "乙", "13800000000", 100, "前台"])
    wb.save(path)
    return path


@pytest.fixture
def messy(messy_master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "messy.xlsx"
    shutil.copyfile(messy_master, dest)
    return dest


def test_clean_sample_is_silent(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "check")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")
    assert sha(sample) == before


def test_messy_lines_golden(cli, messy: Path, golden) -> None:
    r = cli("-w", messy, "check")
    assert r.exit_code == 3
    lines = r.stdout.splitlines()
    assert len(lines) == PROBLEMS
    assert f"{PROBLEMS}" in r.stderr
    expected = [  # sheet › row, column: value — each problem named where the clerk finds it
        "业主档案 › 第 3 行，房号: '1-1-0101' 重复（另见第 2 行）",
        "业主档案 › 第 4 行，业主姓名: 必填项为空",
        "业主档案 › 第 5 行，联系电话: '135***3713' 有 10 位",  # masked: check prints no phone in full
        "业主档案 › 第 6 行，证件号码: '110101********0021' 的校验位是 1，应为 X",
        "业主档案 › 第 7 行，建筑面积: '0' 必须大于 0",
        f"过户记录 › 第 6 行，房号: '{UNKNOWN_UNIT}' 不在业主档案中",
        "业主档案 › 第 10 行，房号: '１-1-0501' 含全角字符",
        "业主档案 › 第 8 行，房号: '1-1-0401 ' 含多余的空格或换行",
        "业主档案 › 第 9 行，房号: '1-1-\\n0402' 含多余的空格或换行",
        "业主档案 › 第 11 行，入住日期: '2014年13月' 不是日期",
        "业主档案 › 第 12 行，房屋状态: '自用' 不在可选值 自住/出租/空置/托管 之中",
    ]
    for line, want in zip(lines, expected):
        assert line.startswith("messy.xlsx › " + want), line
    assert "必须大于 0" in lines[4]
    golden("check_messy.txt", r.stdout)


def test_messy_json(cli, messy: Path) -> None:
    r = cli("-w", messy, "check", "--format", "json")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["report"] == "check"
    problems = data["problems"]["rows"]
    assert len(problems) == PROBLEMS
    for p in problems:
        assert {"check", "sheet", "row", "column", "value", "message", "hint"} <= p.keys()
        assert p["sheet"] in ("业主档案", "过户记录") and isinstance(p["row"], int) and p["message"]
    by_check = {p["check"]: p for p in problems}
    assert set(by_check) == {"duplicate-unit", "required", "phone", "idno", "area", "unknown-unit", "fullwidth",
                             "whitespace", "dates", "choices"}
    assert [p["check"] for p in problems].count("whitespace") == 2
    phone = by_check["phone"]
    assert (phone["sheet"], phone["row"], phone["column"], phone["value"]) == ("业主档案", 5, "联系电话", "135***3713")
    assert (by_check["unknown-unit"]["sheet"], by_check["unknown-unit"]["row"]) == ("过户记录", 6)
    assert by_check["idno"]["value"] == "110101********0021" and by_check["idno"]["hint"]
    assert by_check["fullwidth"]["fixable"] is True and by_check["fullwidth"]["fix"] == "1-1-0501"
    assert (by_check["dates"]["row"], by_check["dates"]["column"], by_check["dates"]["value"]) == (
        11, "入住日期", "2014年13月")
    assert by_check["choices"]["value"] == "自用"


def test_single_check(cli, messy: Path) -> None:
    r = cli("-w", messy, "check", "phone")
    assert r.exit_code == 3
    lines = r.stdout.splitlines()
    assert len(lines) == 1
    assert "第 5 行" in lines[0] and "135***3713" in lines[0]


def test_unknown_check(cli, messy: Path) -> None:
    r = cli("-w", messy, "check", "nosuch")
    assert r.exit_code == 1
    assert "nosuch" in r.stderr and "phone" in r.stderr  # the message lists the checks there are
    assert r.stdout == ""


def test_fix_repairs_only_identifiers_and_journals(cli, messy: Path) -> None:
    r = cli("-w", messy, "check", "--fix")
    assert r.exit_code == 3  # the other problems remain
    assert len(r.stdout.splitlines()) == PROBLEMS - FIXABLE
    assert "已修正 3 处" in r.stderr

    wb = openpyxl.load_workbook(messy)
    ws = wb["业主档案"]
    assert [ws["A8"].value, ws["A9"].value, ws["A10"].value] == ["1-1-0401", "1-1-0402", "1-1-0501"]
    # the unsafe problems were left alone
    assert ws["A3"].value == "1-1-0101" and ws["E4"].value is None and ws["F5"].value == "1356513713"
    assert ws["G6"].value == "110101199003070021" and ws["H7"].value == 0
    assert ws["K11"].value == "2014年13月" and ws["J12"].value == "自用"
    assert wb["过户记录"]["A6"].value == UNKNOWN_UNIT

    remaining = json.loads(cli("-w", messy, "check", "-f", "json").stdout)["problems"]["rows"]
    assert len(remaining) == PROBLEMS - FIXABLE
    assert not {p["check"] for p in remaining} & {"fullwidth", "whitespace"}

    journal = [[c.value for c in row] for row in wb["操作日志"].iter_rows(min_row=2)]
    assert len(journal) == FIXABLE
    assert {row[2] for row in journal} == {"check --fix"}
    assert {row[3] for row in journal} == {"业主档案"}
    assert {row[4] for row in journal} == {"1-1-0401", "1-1-0402", "1-1-0501"}
    afters = {row[4]: row[6] for row in journal}
    assert afters == {"1-1-0401": "房号: 1-1-0401", "1-1-0402": "房号: 1-1-0402", "1-1-0501": "房号: 1-1-0501"}
    befores = {row[4]: row[5] for row in journal}
    assert befores["1-1-0501"] == "房号: １-1-0501"  # the text as it was stored
    assert befores["1-1-0402"] == "房号: 1-1-\n0402"

    with Workbook(messy) as book:
        units = [r["unit_id"] for r in book.read(schema.OWNERS).records()]
    assert units.count("1-1-0401") == units.count("1-1-0402") == units.count("1-1-0501") == 1


def test_fix_dry_run_writes_nothing(cli, messy: Path) -> None:
    before = sha(messy)
    r = cli("-w", messy, "check", "--fix", "--dry-run")
    assert r.exit_code == 3
    assert "试运行" in r.stderr
    assert sha(messy) == before
    assert not (messy.parent / ".propcli" / "history.jsonl").exists()


def test_problems_to_xlsx_csv_and_text_files(cli, messy: Path, tmp_path: Path) -> None:
    """check -o FILE writes the format the extension names (not plain text into a .xlsx)."""
    import csv
    import io

    import openpyxl

    assert cli("-w", messy, "check", "-o", tmp_path / "check.xlsx").exit_code == 3
    ws = openpyxl.load_workbook(tmp_path / "check.xlsx")["问题"]
    assert ws.max_row == PROBLEMS + 1 and ws["A1"].value == "检查"
    assert cli("-w", messy, "check", "-o", tmp_path / "check.csv").exit_code == 3
    rows = list(csv.DictReader(io.StringIO((tmp_path / "check.csv").read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert len(rows) == PROBLEMS and {r["表"] for r in rows} == {"业主档案", "过户记录"}
    assert cli("-w", messy, "check", "-o", tmp_path / "check.txt").exit_code == 3
    lines = (tmp_path / "check.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == PROBLEMS and all("›" in line for line in lines)
