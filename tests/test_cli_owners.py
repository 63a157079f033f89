"""`propcli owners …`, `init`, `undo`, the busy markers, the workbook lookup and error reporting, run
in-process on temporary copies. Expected values were looked up in sample_data/estate.xlsx (and the
real files of ../shared/realdata) independently of propcli and are hard-coded here; results are read
back through the store (or openpyxl / python_calamine), never judged by the exit code alone."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import Cli, fresh_copy, pinned

# -- facts of the sample estate (looked up with python_calamine, not through propcli) -------------
SAMPLE_ROWS = 432
BUILDING_3 = 72
STATUS_TRUSTEE = 13  # 托管
ZH_HEADERS = ["房号", "楼栋", "单元", "室号", "业主姓名", "联系电话", "证件号码", "建筑面积", "常住人口",
              "房屋状态", "入住日期", "租户姓名", "租户电话", "车位", "备注"]
EN_HEADERS = ["unit_id", "building", "entrance", "room", "owner_name", "phone", "id_no", "area",
              "household_size", "status", "move_in_date", "tenant_name", "tenant_phone", "parking", "notes"]
# 1-1-0101: 周宇, 18166516187, 450103198205294984, tenant 马辉志 13559005213
U1 = "1-1-0101"
U1_PHONE, U1_PHONE_MASKED = "18166516187", "181****6187"
U1_ID, U1_ID_MASKED = "450103198205294984", "450103********4984"
# 1-1-0301's ID number ends in X: 45010319900926052X
X_ID_MASKED = "450103********052X"
# 1-1-1301: 杨静嘉, phone 13922549109, 备注 装修中
U_NOTES = "1-1-1301"
# 2-2-0202: transferred 2024-03-23 张辉洋 → 孙怡 (phone 15227665688, ID 440303199302265759)
U_TRANSFERRED = "2-2-0202"
# 2-1-0301: last transfer 2024-08-25
U_LATE_TRANSFER = "2-1-0301"
# 1-1-0501: 何涛梓, 空置, no move-in date, no readings
U_VACANT = "1-1-0501"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def owners(path: Path) -> list[dict]:
    with Workbook(path) as wb:
        return wb.read(schema.OWNERS).records()


def by_unit(path: Path) -> dict[str, dict]:
    return {r["unit_id"]: r for r in owners(path)}


def records(path: Path, spec: schema.Sheet) -> list[dict]:
    with Workbook(path) as wb:
        return wb.read(spec, required=False).records()


def gb11643(first17: str) -> str:
    """The check digit of an 18-character resident ID number, computed here from GB 11643."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = (12 - sum(int(d) * w for d, w in zip(first17, weights)) % 11) % 11
    return "X" if check == 10 else str(check)


GOOD_ID = "11010119900307002" + gb11643("11010119900307002")  # …002X
BAD_ID = "11010119900307002" + ("1" if gb11643("11010119900307002") != "1" else "2")


def test_sample_facts_hold() -> None:
    """The hard-coded facts above, re-derived from the raw sample with calamine."""
    grid = CalamineWorkbook.from_path(str(Path(__file__).parents[1] / "sample_data" / "estate.xlsx")) \
        .get_sheet_by_name("业主档案").to_python()
    assert grid[0] == ZH_HEADERS
    rows = grid[1:]
    assert len(rows) == SAMPLE_ROWS
    assert sum(1 for r in rows if r[1] == "3") == BUILDING_3
    assert sum(1 for r in rows if r[9] == "托管") == STATUS_TRUSTEE
    assert rows[0][:7] == [U1, "1", "1", "0101", "周宇", U1_PHONE, U1_ID]
    assert GOOD_ID == "11010119900307002X"


# -- owners list ------------------------------------------------------------------------------------


def test_list_counts_and_filters(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "list", "-f", "json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)["owners"]["rows"]
    assert len(rows) == SAMPLE_ROWS
    assert len({x["unit_id"] for x in rows}) == SAMPLE_ROWS

    table = cli("-w", sample, "owners", "list")
    assert table.exit_code == 0
    assert f"阳光花园 · 业主档案（{SAMPLE_ROWS}）" in table.stdout

    b3 = json.loads(cli("-w", sample, "owners", "list", "--building", "3", "-f", "json").stdout)["owners"]["rows"]
    assert len(b3) == BUILDING_3
    assert all(x["unit_id"].startswith("3-") and x["building"] == "3" for x in b3)

    trustee = json.loads(cli("-w", sample, "owners", "list", "--status", "托管", "-f", "json").stdout)["owners"]["rows"]
    assert len(trustee) == STATUS_TRUSTEE
    assert {x["status"] for x in trustee} == {"托管"}


def test_list_masks_phones_and_ids_unless_unmask(cli, sample: Path) -> None:
    masked = cli("-w", sample, "owners", "list", "-f", "csv")
    assert masked.exit_code == 0
    row = next(csv.reader(io.StringIO(masked.stdout.splitlines()[1])))
    assert row[:7] == [U1, "1", "1", "0101", "周宇", U1_PHONE_MASKED, U1_ID_MASKED]
    assert row[12] == "135****5213"  # tenant phone too
    assert U1_PHONE not in masked.stdout and U1_ID not in masked.stdout
    assert X_ID_MASKED in masked.stdout  # an ID ending in X keeps its X

    table = cli("-w", sample, "owners", "list")
    assert U1_PHONE_MASKED in table.stdout and U1_PHONE not in table.stdout

    full = cli("-w", sample, "owners", "list", "-f", "csv", "--unmask")
    row = next(csv.reader(io.StringIO(full.stdout.splitlines()[1])))
    assert row[5:7] == [U1_PHONE, U1_ID]
    assert row[12] == "13559005213"


def test_list_to_csv_has_bom_and_chinese_headers(cli, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    r = cli("-w", sample, "owners", "list", "-o", out)
    assert r.exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ZH_HEADERS
    assert len(rows) == SAMPLE_ROWS + 1
    assert rows[1][5] == U1_PHONE_MASKED
    assert r.stdout == ""  # the data went to the file; "已写入" is a message on stderr
    assert "x.csv" in r.stderr


def test_list_to_xlsx(cli, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    r = cli("-w", sample, "owners", "list", "-o", out)
    assert r.exit_code == 0
    ws = openpyxl.load_workbook(out).active
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    assert grid[0] == ZH_HEADERS
    assert len(grid) - 1 == SAMPLE_ROWS
    assert grid[1][0] == U1 and grid[1][5] == U1_PHONE_MASKED
    assert grid[1][7] == pytest.approx(107.01)


def test_list_to_json_file(cli, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    assert cli("-w", sample, "owners", "list", "-o", out).exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["owners"]["rows"]
    assert len(rows) == SAMPLE_ROWS
    first = rows[0]
    assert first["unit_id"] == U1 and first["owner_name"] == "周宇" and first["phone"] == U1_PHONE_MASKED
    assert first["area"] == "107.01" and first["move_in_date"] == "2016-08-09"


def test_list_english_headers(cli, sample: Path) -> None:
    r = cli("--lang", "en", "-w", sample, "owners", "list", "-f", "csv")
    assert r.exit_code == 0
    assert next(csv.reader(io.StringIO(r.stdout.splitlines()[0]))) == EN_HEADERS


def test_list_html(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "list", "-f", "html")
    assert r.exit_code == 0
    html = r.stdout
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert html.rstrip().endswith("</html>")
    assert "<table" in html and "<th>房号</th>" in html
    assert f">{U1}</td>" in html
    assert U1_PHONE_MASKED in html and U1_PHONE not in html


def test_formula_like_note_is_neutralised_in_csv(cli, sample: Path, tmp_path: Path) -> None:
    formula = '=HYPERLINK("x")'
    r = cli("-w", sample, "owners", "update", U1, "--notes", formula)
    assert r.exit_code == 0, r.stderr
    assert by_unit(sample)[U1]["notes"] == formula  # stored as the text typed
    cell = openpyxl.load_workbook(sample, read_only=True)["业主档案"]["O2"]
    assert cell.value == formula and cell.data_type == "s"  # text, not a formula
    out = tmp_path / "x.csv"
    assert cli("-w", sample, "owners", "list", "-o", out).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[1][0] == U1
    assert rows[1][14] == "'" + formula


# -- owners show ------------------------------------------------------------------------------------


def test_show_table_golden(cli, sample: Path, golden) -> None:
    r = cli("-w", sample, "owners", "show", U_TRANSFERRED)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "孙怡" in out and "张辉洋" in out and "2024-03-23" in out and "2602.78" in out
    assert "152****5688" in out and "15227665688" not in out
    assert "440303********5759" in out
    golden("owners_show.txt", out)


def test_show_json_golden(cli, sample: Path, golden) -> None:
    r = cli("-w", sample, "owners", "show", U_TRANSFERRED, "-f", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["report"] == "owners.show" and data["params"] == {"unit": U_TRANSFERRED}
    assert data["profile"]["owner_name"] == "孙怡"
    assert data["profile"]["phone"] == "152****5688"
    assert data["transfers"]["rows"] == [{
        "date": "2024-03-23", "from_owner": "张辉洋", "to_owner": "孙怡",
        "phone": "152****5688", "settled": "2602.78", "operator": "前台小王",
    }]
    golden("owners_show.json", r.stdout)


def test_show_unknown_unit(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "show", "9-9-9999")
    assert r.exit_code == 1
    assert "9-9-9999" in r.stderr
    assert r.stdout == ""


# -- owners find ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "units", "why"), [
    ("李兰", ["1-1-0201", "1-2-1702"], "name"),  # 李兰晶, 李兰
    ("6187", ["1-1-0101"], "phone"),  # 18166516187
    ("1-1-01", ["1-1-0101", "1-1-0102"], "unit"),
    ("zdy", ["4-2-0701"], "pinyin"),  # 曾德雨 Zēng Dé Yǔ
    ("xjq", ["1-1-0402"], "pinyin"),  # 解俊琪 Xiè Jùn Qí (解 read xiè as a surname, not jiě)
    ("szp", ["2-2-0402"], "pinyin"),  # 单志平 Shàn Zhì Píng (单 read shàn as a surname, not dān)
])
def test_find(cli, sample: Path, text: str, units: list[str], why: str) -> None:
    r = cli("-w", sample, "owners", "find", text, "-f", "json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)["matches"]["rows"]
    assert [x["unit_id"] for x in rows] == units
    assert {x["why"] for x in rows} == {why}


def test_find_polyphonic_surname_both_readings(cli, sample: Path) -> None:
    """曾 is zēng as a surname but céng elsewhere: cm finds 曾敏 alongside the 陈 owners."""
    rows = json.loads(cli("-w", sample, "owners", "find", "cm", "-f", "json").stdout)["matches"]["rows"]
    assert [(x["unit_id"], x["owner_name"]) for x in rows] == [
        ("2-1-0402", "曾敏"), ("2-1-1701", "陈明勇"), ("4-2-0901", "陈梅亮"), ("6-1-0801", "陈明思")]
    masked_only = cli("-w", sample, "owners", "find", "6187")
    assert U1_PHONE_MASKED in masked_only.stdout and U1_PHONE not in masked_only.stdout


def test_find_no_match(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "find", "不存在的人")
    assert r.exit_code == 1
    assert "不存在的人" in r.stderr
    assert r.stdout == ""


# -- owners add -------------------------------------------------------------------------------------


def test_add_new_unit_reads_back_every_field(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "add", "9-1-0101", "--name", "王五", "--phone", "13900001234",
            "--id-no", GOOD_ID, "--area", "88.5", "--household", "3", "--status", "自住",
            "--move-in", "2024-01-02", "--tenant-name", "赵六", "--tenant-phone", "13700005678",
            "--parking", "B1-001", "--notes", "新登记")
    assert r.exit_code == 0, r.stderr
    rows = owners(sample)
    assert len(rows) == SAMPLE_ROWS + 1
    assert rows[-1] == {
        "unit_id": "9-1-0101", "building": "9", "entrance": "1", "room": "0101", "owner_name": "王五",
        "phone": "13900001234", "id_no": GOOD_ID, "area": Decimal("88.5"), "household_size": 3,
        "status": "自住", "move_in_date": dt.date(2024, 1, 2), "tenant_name": "赵六",
        "tenant_phone": "13700005678", "parking": "B1-001", "notes": "新登记",
    }
    # the room keeps its leading zero as text in the sheet itself
    ws = openpyxl.load_workbook(sample, read_only=True)["业主档案"]
    assert [ws.cell(SAMPLE_ROWS + 2, c).value for c in (1, 4, 6)] == ["9-1-0101", "0101", "13900001234"]
    journal = records(sample, schema.JOURNAL)
    assert len(journal) == 1
    assert journal[0]["command"] == "owners add 9-1-0101" and journal[0]["key"] == "9-1-0101"


def test_add_duplicate_unit_leaves_workbook(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "owners", "add", U1, "--name", "某人", "--area", "90")
    assert r.exit_code == 1
    assert U1 in r.stderr and "第 2 行" in r.stderr
    assert sha(sample) == before


@pytest.mark.parametrize(("option", "value", "shown"), [
    ("--phone", "1390000123", "1390000123"),  # 10 digits
    ("--id-no", BAD_ID, BAD_ID),  # wrong check digit
    ("--area", "0", "0"),
    ("--status", "自用", "自用"),
])
def test_add_rejects_bad_values_and_writes_nothing(cli, sample: Path, option: str, value: str, shown: str) -> None:
    before = sha(sample)
    args = ["-w", sample, "owners", "add", "9-1-0102", "--name", "某人", "--area", "90", option, value]
    r = cli(*args)
    assert r.exit_code == 1
    assert shown in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert sha(sample) == before
    assert "9-1-0102" not in by_unit(sample)


def test_add_bad_id_names_expected_check_digit(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "add", "9-1-0102", "--name", "某人", "--area", "90", "--id-no", BAD_ID)
    assert r.exit_code == 1
    assert f"应为 {gb11643(BAD_ID[:17])}" in r.stderr


# -- owners update ----------------------------------------------------------------------------------


def test_update_changes_exactly_those_cells_and_journals(cli, sample: Path) -> None:
    before = owners(sample)
    old = next(r for r in before if r["unit_id"] == U_NOTES)
    assert (old["phone"], old["notes"]) == ("13922549109", "装修中")
    r = cli("-w", sample, "owners", "update", U_NOTES, "--phone", "13900009999", "--notes", "")
    assert r.exit_code == 0, r.stderr
    after = owners(sample)
    assert len(after) == len(before)
    for b, a in zip(before, after):
        if b["unit_id"] == U_NOTES:
            assert a == {**b, "phone": "13900009999", "notes": None}
        else:
            assert a == b
    journal = records(sample, schema.JOURNAL)
    assert len(journal) == 1
    j = journal[0]
    assert "owners update" in j["command"] and U_NOTES in j["command"]
    assert j["sheet"] == "业主档案" and j["key"] == U_NOTES and j["operator"] == "测试员"
    assert "13922549109" in j["before"] and "13900009999" in j["after"]
    assert "13900009999" not in j["before"] and "13922549109" not in j["after"]
    assert isinstance(j["time"], dt.datetime)


def test_update_dry_run_prints_and_writes_nothing(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "owners", "update", U_NOTES, "--phone", "13900009999", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert U_NOTES in r.stdout and "139****9109" in r.stdout and "139****9999" in r.stdout  # masked
    assert "13922549109" not in r.stdout and "13900009999" not in r.stdout
    assert "试运行" in r.stderr
    r = cli("-w", sample, "owners", "update", U_NOTES, "--phone", "13900009999", "--dry-run", "--unmask")
    assert "13922549109" in r.stdout and "13900009999" in r.stdout
    assert sha(sample) == before
    assert not (sample.parent / ".propcli" / "backups").exists() or not any(
        (sample.parent / ".propcli" / "backups").iterdir())


# -- owners transfer --------------------------------------------------------------------------------


def test_transfer(cli, sample: Path) -> None:
    before = by_unit(sample)[U_TRANSFERRED]
    assert (before["owner_name"], before["id_no"]) == ("孙怡", "440303199302265759")
    r = cli("-w", sample, "owners", "transfer", U_TRANSFERRED, "--to", "李四", "--date", "2024-05-01",
            "--phone", "13800001111", "--settled", "1234.50")
    assert r.exit_code == 0, r.stderr
    after = by_unit(sample)[U_TRANSFERRED]
    assert after == {**before, "owner_name": "李四", "phone": "13800001111", "id_no": None}
    transfers = records(sample, schema.TRANSFERS)
    assert len(transfers) == 5
    new = transfers[-1]
    assert new["unit_id"] == U_TRANSFERRED and new["date"] == dt.date(2024, 5, 1)
    assert (new["from_owner"], new["to_owner"], new["phone"]) == ("孙怡", "李四", "13800001111")
    assert new["settled"] == Decimal("1234.50")
    assert new["operator"] == "测试员"  # PROPCLI_OPERATOR when --operator is not given
    ws = openpyxl.load_workbook(sample, read_only=True)["过户记录"]
    assert ws["F6"].value == pytest.approx(1234.5)
    journal = records(sample, schema.JOURNAL)
    assert {j["sheet"] for j in journal} == {"业主档案", "过户记录"}
    assert any("结清金额: 1234.50" in (j["after"] or "") for j in journal)


def test_transfer_to_same_owner_refused(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "owners", "transfer", U_TRANSFERRED, "--to", "孙怡", "--date", "2024-05-01")
    assert r.exit_code == 1
    assert "孙怡" in r.stderr
    assert sha(sample) == before


def test_transfer_before_last_transfer_refused(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "owners", "transfer", U_LATE_TRANSFER, "--to", "王二", "--date", "2024-05-01")
    assert r.exit_code == 1
    assert "2024-08-25" in r.stderr and "2024-05-01" in r.stderr
    assert sha(sample) == before


# -- owners move-in ---------------------------------------------------------------------------------


def test_move_in(cli, sample: Path) -> None:
    before = by_unit(sample)[U_VACANT]
    assert (before["status"], before["move_in_date"]) == ("空置", None)
    # the vacant unit's meters have been read every month: the move-in readings continue them
    last = {x["meter"]: x["reading"] for x in records(sample, schema.READINGS) if x["unit_id"] == U_VACANT}
    water, power = last["水表"] + Decimal("0.5"), last["电表"] + 2
    r = cli("-w", sample, "owners", "move-in", U_VACANT, "--date", "2026-11-20", "--water", str(water),
            "--electricity", str(power))
    assert r.exit_code == 0, r.stderr
    after = by_unit(sample)[U_VACANT]
    assert after == {**before, "move_in_date": dt.date(2026, 11, 20), "status": "自住"}
    readings = [x for x in records(sample, schema.READINGS) if x["unit_id"] == U_VACANT and x["period"] == "2026-11"]
    assert [(x["meter"], x["reading"], x["notes"], x["read_date"]) for x in readings] == [
        ("水表", water, "入住底数", dt.date(2026, 11, 20)),
        ("电表", power, "入住底数", dt.date(2026, 11, 20)),
    ]

    again = sha(sample)
    r = cli("-w", sample, "owners", "move-in", U_VACANT, "--date", "2026-11-20", "--water", str(water))
    assert r.exit_code == 1
    assert "2026-11" in r.stderr and "水表" in r.stderr and "--correct" in r.stderr
    assert sha(sample) == again


def test_move_in_reading_below_the_last_is_refused(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "owners", "move-in", U_VACANT, "--date", "2026-11-20", "--water", "0")
    assert r.exit_code == 1 and "小于上次读数" in r.stderr
    assert sha(sample) == before


def test_move_in_reading_date_is_a_date_cell(cli, sample: Path) -> None:
    r = cli("-w", sample, "owners", "move-in", U_VACANT, "--date", "2026-11-20", "--water", "99999")
    assert r.exit_code == 0, r.stderr
    sheet = openpyxl.load_workbook(sample, read_only=True)["抄表记录"]
    cell = sheet.cell(row=sheet.max_row, column=4)
    assert isinstance(cell.value, dt.datetime) and cell.is_date
    assert not cell.font.b


# -- undo -------------------------------------------------------------------------------------------


def test_undo_restores_and_journals(cli, sample: Path) -> None:
    before = owners(sample)
    assert cli("-w", sample, "owners", "update", U_NOTES, "--phone", "13900009999").exit_code == 0
    assert by_unit(sample)[U_NOTES]["phone"] == "13900009999"
    r = cli("-w", sample, "undo")
    assert r.exit_code == 0, r.stderr
    assert "owners update" in r.stderr
    assert owners(sample) == before
    journal = records(sample, schema.JOURNAL)
    assert len(journal) == 1
    assert journal[0]["command"].startswith("undo") and "owners update " + U_NOTES in journal[0]["command"]
    # and the one change is now spent
    assert cli("-w", sample, "undo").exit_code == 1


def test_undo_nothing(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("-w", sample, "undo")
    assert r.exit_code == 1
    assert "没有可撤销的修改" in r.stderr
    assert sha(sample) == before


def test_undo_refused_after_outside_change(cli, owners_only: Path) -> None:
    sample = owners_only
    assert cli("-w", sample, "owners", "update", U_NOTES, "--phone", "13900009999").exit_code == 0
    wb = openpyxl.load_workbook(sample)
    wb["业主档案"]["O3"] = "外部修改"  # the clerk edits and saves in Excel
    wb.save(sample)
    changed = sha(sample)
    r = cli("-w", sample, "undo")
    assert r.exit_code == 1
    assert "不能撤销" in r.stderr and ".propcli" in r.stderr
    assert sha(sample) == changed
    assert by_unit(sample)["1-1-0102"]["notes"] == "外部修改"


# -- busy -------------------------------------------------------------------------------------------


def test_excel_marker_makes_busy_and_force_writes(cli, sample: Path) -> None:
    (sample.parent / "~$estate.xlsx").write_bytes(b"")
    before = sha(sample)
    r = cli("-w", sample, "owners", "update", U1, "--phone", "13900009999")
    assert r.exit_code == 4
    assert "~$estate.xlsx" in r.stderr and "--force" in r.stderr
    assert sha(sample) == before
    r = cli("-w", sample, "owners", "update", U1, "--phone", "13900009999", "--force")
    assert r.exit_code == 0, r.stderr
    assert by_unit(sample)[U1]["phone"] == "13900009999"


def test_libreoffice_marker_names_holder(cli, sample: Path) -> None:
    (sample.parent / ".~lock.estate.xlsx#").write_text("张三,zhangsan,PC-1,23.11.2026 10:00,file:///x;",
                                                       encoding="utf-8")
    before = sha(sample)
    r = cli("-w", sample, "owners", "update", U1, "--phone", "13900009999")
    assert r.exit_code == 4
    assert "张三" in r.stderr and "LibreOffice" in r.stderr
    assert sha(sample) == before


# -- finding the workbook ---------------------------------------------------------------------------


def test_workbook_from_environment(cli, sample: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PROPCLI_WORKBOOK", str(sample))
    r = cli("owners", "list", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["owners"]["rows"]) == SAMPLE_ROWS


def test_workbook_in_folder_ignores_export(cli, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("-w", sample, "owners", "list", "-o", sample.parent / "owners.xlsx").exit_code == 0
    monkeypatch.chdir(sample.parent)
    r = cli("owners", "update", U1, "--notes", "在文件夹中找到")
    assert r.exit_code == 0, r.stderr
    assert by_unit(sample)[U1]["notes"] == "在文件夹中找到"
    assert len(openpyxl.load_workbook(sample.parent / "owners.xlsx").active["A"]) == SAMPLE_ROWS + 1


# -- errors -----------------------------------------------------------------------------------------


def test_not_an_xlsx(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    r = cli("-w", bad, "owners", "list")
    assert r.exit_code == 1
    assert "bad.xlsx" in r.stderr and "xlsx" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    en = cli("--lang", "en", "-w", bad, "owners", "list")
    assert en.exit_code == 1
    assert "is not a readable xlsx workbook" in en.stderr


def test_missing_owners_sheet(cli, tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.create_sheet("收费标准")
    wb.save(path)
    r = cli("-w", path, "owners", "list")
    assert r.exit_code == 1
    assert "业主档案" in r.stderr and "Sheet1" in r.stderr and "收费标准" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    en = cli("--lang", "en", "-w", path, "owners", "list")
    assert en.exit_code == 1 and "sheet '业主档案' is missing" in en.stderr and "owners" in en.stderr


def test_missing_unit_header(cli, tmp_path: Path) -> None:
    path = tmp_path / "nohdr.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业主档案"
    ws.append(["房屋号码", "业主姓名", "建筑面积"])
    ws.append(["1-1-0101", "张三", 80])
    wb.save(path)
    r = cli("-w", path, "owners", "list")
    assert r.exit_code == 1
    assert "房号" in r.stderr and "业主档案" in r.stderr and "房屋号码" in r.stderr
    assert "Traceback" not in r.stderr
    en = cli("--lang", "en", "-w", path, "owners", "list")
    assert en.exit_code == 1 and "required header(s) not found: 房号" in en.stderr


def test_english_messages(cli, sample: Path) -> None:
    r = cli("--lang", "en", "-w", sample, "owners", "show", "9-9-9999")
    assert r.exit_code == 1
    assert r.stderr.startswith("unit 9-9-9999 not found")
    r = cli("--lang", "en", "-w", sample, "owners", "add", "9-1-0102", "--name", "x", "--area", "5",
            "--phone", "1390000123")
    assert r.exit_code == 1 and "has 10 digits" in r.stderr


def test_missing_workbook(cli, tmp_path: Path) -> None:
    r = cli("-w", tmp_path / "nosuch.xlsx", "owners", "list")
    assert r.exit_code == 1 and "nosuch.xlsx" in r.stderr


# -- init -------------------------------------------------------------------------------------------


def test_init_then_check_and_add(cli, tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    r = cli("init", path, "--name", "测试花园")
    assert r.exit_code == 0, r.stderr
    assert openpyxl.load_workbook(path).sheetnames == [s.zh for s in schema.SHEETS]
    with Workbook(path) as wb:
        assert wb.settings()["name"] == "测试花园"
    r = cli("-w", path, "check")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")
    r = cli("-w", path, "owners", "add", "1-1-0101", "--name", "张三", "--area", "90", "--move-in", "2024-01-02")
    assert r.exit_code == 0, r.stderr
    rows = owners(path)
    assert len(rows) == 1
    assert rows[0]["unit_id"] == "1-1-0101" and rows[0]["room"] == "0101"
    assert rows[0]["move_in_date"] == dt.date(2024, 1, 2)


def test_init_add_move_in_is_a_date_cell(cli, tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    assert cli("init", path, "--name", "测试花园").exit_code == 0
    assert cli("-w", path, "owners", "add", "1-1-0101", "--name", "张三", "--area", "90",
               "--move-in", "2024-01-02").exit_code == 0
    cell = openpyxl.load_workbook(path)["业主档案"]["K2"]
    assert isinstance(cell.value, dt.datetime) and cell.value.date() == dt.date(2024, 1, 2)
    assert cell.is_date and "yy" in cell.number_format.lower()


def test_init_refuses_existing(cli, sample: Path) -> None:
    before = sha(sample)
    r = cli("init", sample, "--name", "测试花园")
    assert r.exit_code == 1
    assert "estate.xlsx" in r.stderr
    assert sha(sample) == before


# -- owners import ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _fresh_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pinned():
        path = tmp_path_factory.mktemp("fresh") / "fresh.xlsx"
        assert Cli()("init", path, "--name", "导入测试").exit_code == 0
    return path


@pytest.fixture
def fresh(_fresh_master: Path, tmp_path: Path) -> Path:
    """A new estate from `propcli init` (made once per session; each test gets its own copy)."""
    return fresh_copy(_fresh_master, tmp_path / "fresh.xlsx")


def test_import_java110_room(cli, fresh: Path, realdata: Path) -> None:
    src = realdata / "java110_MicroCommunityWeb" / "importRoom.REDACTED.xlsx"
    raw = CalamineWorkbook.from_path(str(src)).get_sheet_by_name("资产信息").to_python()
    assert raw[1][14] == 18900000000.0 and isinstance(raw[1][14], float)  # the phone is a number cell
    assert raw[1][11] == 2001.0  # 房屋状态 as a code
    r = cli("-w", fresh, "owners", "import", src)
    assert r.exit_code == 0, r.stderr
    rows = by_unit(fresh)
    assert list(rows) == ["1-1-1001"]
    unit = rows["1-1-1001"]
    assert unit["area"] == Decimal("94.56")
    assert unit["owner_name"] == "示例业主"
    assert unit["phone"] == "18900000000"
    assert unit["status"] is None
    assert "2001" in r.stdout and "warning" in r.stdout
    assert "导入 1 户" in r.stderr


def test_import_template_example_row_only(cli, fresh: Path, realdata: Path) -> None:
    before = sha(fresh)
    r = cli("-w", fresh, "owners", "import", realdata / "211369_wx-property-manage-service" / "ownerExcel.xlsx")
    assert r.exit_code == 1
    assert "示例" in r.stdout and "rejected" in r.stdout
    assert "导入 0 户" in r.stderr and "没有可导入的行" in r.stderr
    assert owners(fresh) == []
    assert sha(fresh) == before


def test_import_shop_xls_with_map(cli, fresh: Path, realdata: Path) -> None:
    src = realdata / "houlynn_wuye" / "商铺.xls"
    raw = CalamineWorkbook.from_path(str(src)).get_sheet_by_name("Sheet1").to_python()
    assert raw[-1][0] == "合计:" and len(raw) == 37  # header, 35 shops, 合计
    r = cli("-w", fresh, "owners", "import", src, "--map", "单元名称=室号")
    assert r.exit_code == 0, r.stderr
    rows = by_unit(fresh)
    # 35 shops; one of them, `A42/B11/B12`, is refused: `/` has no place in a 房号 (issue 17 §4)
    assert len(rows) == 34 and "商铺-A42/B11/B12" not in rows
    assert "A42/B11/B12" in r.stdout + r.stderr and "'/'" in r.stdout + r.stderr
    assert not any("合计" in u for u in rows)
    assert rows["商铺-A01"]["area"] == Decimal("48.8379")
    assert rows["商铺-A01"]["building"] == "商铺" and rows["商铺-A01"]["room"] == "A01"
    refused = next(Decimal(str(x[3])) for x in raw if x[2] == "A42/B11/B12")
    assert sum(r_["area"] for r_ in rows.values()) == (Decimal(str(raw[-1][3])) - refused).quantize(Decimal("0.0001"))


def test_import_csv(cli, fresh: Path, realdata: Path) -> None:
    r = cli("-w", fresh, "owners", "import", realdata / "JerryForNet_wuye" / "bill_upload_201710131418576338.MASKED.csv")
    assert r.exit_code == 0, r.stderr
    rows = owners(fresh)
    assert len(rows) == 16
    assert rows[0]["room"] == "101" and rows[0]["area"] == Decimal("124") and rows[0]["owner_name"] == "某某某"


def test_import_dry_run_writes_nothing(cli, fresh: Path, realdata: Path) -> None:
    before = sha(fresh)
    r = cli("-w", fresh, "owners", "import", realdata / "JerryForNet_wuye" / "bill_upload_201710131418576338.MASKED.csv",
            "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "试运行" in r.stderr
    assert sha(fresh) == before
    assert owners(fresh) == []


def test_import_twice_rejects_every_row(cli, fresh: Path, realdata: Path) -> None:
    src = realdata / "JerryForNet_wuye" / "bill_upload_201710131418576338.MASKED.csv"
    assert cli("-w", fresh, "owners", "import", src).exit_code == 0
    before = sha(fresh)
    r = cli("-w", fresh, "owners", "import", src, "-f", "csv")
    assert r.exit_code == 1
    report = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    assert len(report) == 1 + 16
    assert all(row[3] == "rejected" and "已在业主档案中" in row[4] for row in report[1:])
    assert sha(fresh) == before
    assert len(owners(fresh)) == 16
