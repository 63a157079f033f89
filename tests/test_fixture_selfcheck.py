"""Self-checks of the rich workbook fixture and of the xlsxdiff helpers the preservation tests rely on."""

from __future__ import annotations

import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests.fixtures.rich_workbook import OWNER_ROWS, build_rich_workbook
from tests.xlsxdiff import cell_diff, cells, changed_parts, outside_sheetdata, sheet_part

AREAS = ("89.5", "120.35", "89.5", "120.35", "76.8", "98", "132.6", "65.25", "110", "88.88")

# `rich` is conftest's: built once per session, a fresh copy for each test.


def test_opens_in_openpyxl_and_calamine_with_cached_total(rich: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns that it would drop the x14 extensions
        wb = openpyxl.load_workbook(rich)
        values = openpyxl.load_workbook(rich, data_only=True)
    assert wb.sheetnames == ["业主档案", "收费汇总", "操作日志"]
    assert wb["业主档案"]["H13"].value == "=SUM(H3:H12)"
    assert wb["业主档案"]["D3"].value == "0101"
    assert values["业主档案"]["H13"].value == pytest.approx(991.23)

    rows = CalamineWorkbook.from_path(str(rich)).get_sheet_by_name("业主档案").to_python()
    assert rows[12][0] == "合计"
    assert [str(r[7]) for r in OWNER_ROWS] == list(AREAS)
    assert Decimal(str(rows[12][7])) == sum(Decimal(a) for a in AREAS) == Decimal("991.23")


def test_x14_databar_and_sparklines_present(rich: Path) -> None:
    with zipfile.ZipFile(rich) as z:
        owners = z.read(sheet_part(rich, "业主档案")).decode()
        summary = z.read(sheet_part(rich, "收费汇总")).decode()
    assert '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"' in owners
    assert "<x14:conditionalFormattings>" in owners
    guid = owners.split("<x14:id>")[1].split("</x14:id>")[0]
    assert f'<x14:cfRule type="dataBar" id="{guid}">' in owners
    assert '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"' in summary
    assert "<x14:sparklineGroups" in summary
    assert cells(summary.encode())["E7"] == (None, "9", "SUM(E3:E6)", "14486.15")


def test_deterministic_and_journal_optional(tmp_path: Path, rich: Path) -> None:
    again = tmp_path / "again.xlsx"
    build_rich_workbook(again)
    assert rich.read_bytes() == again.read_bytes()
    bare = tmp_path / "bare.xlsx"
    build_rich_workbook(bare, with_journal=False)
    with pytest.raises(KeyError):
        sheet_part(bare, "操作日志")


def test_changed_parts_names_only_the_edited_sheet(tmp_path: Path, rich: Path) -> None:
    assert changed_parts(rich, rich) == set()
    part = sheet_part(rich, "收费汇总")
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(rich) as zin, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"<v>2480.5</v>", b"<v>2500</v>", 1)
            zout.writestr(info, data)
    assert changed_parts(rich, edited) == {part}
    before, after = zipfile.ZipFile(rich).read(part), zipfile.ZipFile(edited).read(part)
    assert outside_sheetdata(before) == outside_sheetdata(after)
    assert cell_diff(before, after) == {"B3": (("n", "9", None, "2480.5"), ("n", "9", None, "2500"))}
