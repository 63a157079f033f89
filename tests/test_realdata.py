"""Every real spreadsheet in ../shared/realdata is read without a crash: owners import either takes rows
or says exactly why not (a DataError with a location), never a traceback."""

from __future__ import annotations

from pathlib import Path


from propcli.errors import DataError
from propcli.ops import importer
from propcli.store.workbook import Workbook

EXPECTED_TAKEN = {  # hand-counted from the files
    "java110_MicroCommunityWeb/importRoom.REDACTED.xlsx": 1,
    "java110_MicroCommunityWeb/hc20200610.REDACTED.xlsx": 8,  # 房屋信息: 8 rooms
    "houlynn_wuye/管理费导入表标准版.xls": 419,  # sheet G区: A0-301 … A6-2501
    "JerryForNet_wuye/bill_upload_201710131418576338.MASKED.csv": 16,
}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".csv"))


def test_every_real_file_imports_or_explains(realdata: Path, tmp_path: Path, cli) -> None:
    estate = tmp_path / "estate.xlsx"
    assert cli("init", estate, "--name", "测试").exit_code == 0
    seen = 0
    with Workbook(estate) as wb:
        for path in _files(realdata):
            rel = path.relative_to(realdata).as_posix()
            try:
                result = importer.read_owners(path, wb)
            except DataError as exc:
                assert exc.key in ("import.no_unit_column", "import.no_sheet"), rel
                assert path.name in exc.message("zh")
                continue
            seen += 1
            if rel in EXPECTED_TAKEN:
                assert len(result.taken) == EXPECTED_TAKEN[rel], rel
            for problem in result.rejected + result.warnings:
                assert problem.location.row and problem.location.sheet, rel  # every report is located
    assert seen >= 6


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
