"""Every real spreadsheet in ../shared/realdata gives what it should: owners import takes the rows
counted by eye from the file (sheet, count, first and last unit), or stops with the error it must — never
a traceback, and a file that stops importing fails the test."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from propcli.errors import DataError
from propcli.ops import importer
from propcli.store.workbook import Workbook

# What `owners import` must make of every file in ../shared/realdata (SOURCES.txt says where each comes
# from), read by eye from the files: the sheet it takes, how many rows it takes and rejects, the first and
# last unit taken — or the error it must stop with. A file added to the folder must be added here.
TAKES = {
    # 业户导入模板: one row, the template's example (示例:1号楼 …): rejected as an example row
    "211369_wx-property-manage-service/ownerExcel.xlsx": ("业户导入模板", 0, ["import.example_row"], None, None),
    # header rows only
    "211369_wx-property-manage-service/park.xlsx": ("Sheet1", 0, [], None, None),
    "211369_wx-property-manage-service/property.xlsx": ("Sheet1", 0, [], None, None),
    # 16 bills (17 lines with the header), 室号 101 … ; 101 is 124.0 ㎡
    "JerryForNet_wuye/bill_upload_201710131418576338.MASKED.csv": (
        "bill_upload_201710131418576338.MASKED.csv", 16, [], "101", None),
    # sheet G区: 419 rows 序号 1 … 419, 物业编号 A0-301 … A6-2501 (the other 7 sheets are headers only)
    "houlynn_wuye/管理费导入表标准版.xls": ("G区", 419, [], "A0-301", "A6-2501"),
    # 房屋信息: rooms 1011 … 1024, 8 of them (the sheets before it hold buildings and owners, no rooms)
    "java110_MicroCommunityWeb/hc.REDACTED.xlsx": ("房屋信息", 8, [], "1011", "1024"),
    "java110_MicroCommunityWeb/hc20200610.REDACTED.xlsx": ("房屋信息", 8, [], "1011", "1024"),
    # 房屋缴费历史: three payments of 1-1-1001: the first taken, the other two duplicates
    "java110_MicroCommunityWeb/importFeeDetail.xlsx": ("房屋缴费历史", 1, ["import.duplicate"] * 2, "1-1-1001", None),
    # 资产信息: one room, 楼号 1, 单元 1, 房间 1001
    "java110_MicroCommunityWeb/importRoom.REDACTED.xlsx": ("资产信息", 1, [], "1-1-1001", None),
    # 水电表: one meter whose 房屋 column holds 33
    "java110_MicroCommunityWeb/meterMachine.xlsx": ("水电表", 1, [], "33", None),
}
# no column that can be a 房号 without --map (B区/商铺 name the room 单元名称, under 楼阁名称: see below)
REFUSES = {
    "JerryForNet_wuye/feenotice.xls": "import.no_unit_column",  # 账单编号, 账单单位, … only
    "houlynn_wuye/B区.xls": "import.no_unit_column",
    "houlynn_wuye/商铺.xls": "import.no_unit_column",
    "java110_MicroCommunityWeb/importCarFeeDetail.xlsx": "import.no_unit_column",  # 车牌号, not a unit
}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".csv"))


def test_every_real_file_gives_what_it_should(realdata: Path, tmp_path: Path, cli) -> None:
    estate = tmp_path / "estate.xlsx"
    assert cli("init", estate, "--name", "测试").exit_code == 0
    found = {p.relative_to(realdata).as_posix(): p for p in _files(realdata)}
    assert set(found) == set(TAKES) | set(REFUSES)
    with Workbook(estate) as wb:
        for rel, path in found.items():
            if rel in REFUSES:
                with pytest.raises(DataError) as exc:
                    importer.read_owners(path, wb)
                assert exc.value.key == REFUSES[rel], rel
                assert path.name in exc.value.message("zh") and exc.value.message("en"), rel
                assert exc.value.params["found"] != "—", rel  # the clerk is shown what the file's header says
                continue
            sheet, taken, rejected, first, last = TAKES[rel]
            result = importer.read_owners(path, wb)
            units = [r["unit_id"] for r in result.taken]
            assert (result.sheet, len(units), [p.key for p in result.rejected]) == (sheet, taken, rejected), rel
            if first is not None:
                assert units[0] == first, rel
            if last is not None:
                assert units[-1] == last, rel
            assert len(set(units)) == len(units), rel
            for problem in result.rejected + result.warnings:
                assert problem.location.row and problem.location.sheet, rel  # every report is located


def test_a_file_without_units_shows_its_header(realdata: Path, tmp_path: Path) -> None:
    estate = tmp_path / "estate.xlsx"
    from propcli.store.template import create_workbook

    create_workbook(estate, name="测试")
    with Workbook(estate) as wb, pytest.raises(DataError) as exc:
        importer.read_owners(realdata / "JerryForNet_wuye" / "feenotice.xls", wb)
    assert exc.value.params["found"] == ["账单编号", "账单单位", "账单日期", "账单金额", "对方帐号", "用途", "账单备注"]


def test_real_files_values(realdata: Path, tmp_path: Path) -> None:
    from propcli.store.template import create_workbook

    estate = tmp_path / "estate.xlsx"
    create_workbook(estate, name="测试")
    with Workbook(estate) as wb:
        room = importer.read_owners(realdata / "java110_MicroCommunityWeb" / "importRoom.REDACTED.xlsx", wb).taken[0]
        csv = importer.read_owners(realdata / "JerryForNet_wuye" / "bill_upload_201710131418576338.MASKED.csv",
                                   wb).taken
        hc = importer.read_owners(realdata / "java110_MicroCommunityWeb" / "hc.REDACTED.xlsx", wb).taken
    # 资产信息 row 2: 楼号 1, 单元 1, 房间 1001, 建筑面积 94.56, 示例业主, phone stored as a number
    assert (room["building"], room["entrance"], room["room"], room["owner_name"], room["phone"], room["area"]) == (
        "1", "1", "1001", "示例业主", "18900000000", Decimal("94.56"))
    assert room["id_no"] == "110101199001010000"  # an 18-digit ID kept as text
    # the CSV's first two rows: 室号 101 (面积 124.0) and 102 (126.0)
    assert [(r["unit_id"], r["area"]) for r in csv[:2]] == [("101", Decimal("124.0")), ("102", Decimal("126.0"))]
    # 房屋信息 row 2: 房屋编号 1011, 楼栋编号 1, 建筑面积 94.56
    assert (hc[0]["unit_id"], hc[0]["building"], hc[0]["area"]) == ("1011", "1", Decimal("94.56"))


def test_ledger_units_and_areas(realdata: Path, tmp_path: Path) -> None:
    from propcli.store.template import create_workbook

    estate = tmp_path / "estate.xlsx"
    create_workbook(estate, name="测试")
    with Workbook(estate) as wb:
        result = importer.read_owners(realdata / "houlynn_wuye" / "B区.xls", wb, mapping={"单元名称": "room"})
    units = {r["unit_id"]: r["area"] for r in result.taken}
    assert len(units) == 50
    from decimal import Decimal

    assert units["B1-708"] == Decimal("87.045")  # row 2: 楼阁 B1, 单元名称 708, 建筑面积 87.045
    assert units["B5-402"] == Decimal("125.1207")  # the last row


def test_row_edits_on_real_excel_files_keep_every_other_part(realdata: Path, tmp_path: Path) -> None:
    """The writer on packages written by Excel, WPS and Java tools, not by us: append a row and change a
    cell of the first sheet; every other part stays byte-identical and the result reads back."""
    import shutil

    from python_calamine import CalamineWorkbook

    from propcli.store.package import Package
    from propcli.store.sheetxml import SheetXml
    from tests import xlsxdiff

    files = sorted(realdata.rglob("*.xlsx"))
    assert len(files) >= 9
    for src in files:
        path = tmp_path / src.name
        shutil.copyfile(src, path)
        pkg = Package(path)
        sheet = pkg.sheets[0]
        xml = SheetXml(pkg.read(sheet.part), pkg.date_styles())
        last = xml.last_used_row()
        xml.set_cells(1, {0: "改过的表头"})
        xml.append_rows([{0: "新行", 1: 12.5}], template=last)
        out = tmp_path / ("out-" + src.name)
        with open(out, "wb") as f:
            pkg.write(f, {sheet.part: xml.to_bytes()})
        pkg.close()
        assert xlsxdiff.changed_parts(path, out) == {sheet.part}, src.name
        grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        assert grid[0][0] == "改过的表头", src.name
        assert grid[last][0] == "新行" and grid[last][1] == 12.5, src.name
        before = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        assert [row[1:] for row in grid[1:last]] == [row[1:] for row in before[1:last]], src.name
