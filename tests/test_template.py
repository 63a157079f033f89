"""The new-workbook template and the sample estate generator."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from propcli.store import schema
from propcli.store.template import create_workbook

REPO = Path(__file__).resolve().parents[1]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_generate", REPO / "sample_data" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def gb11643_ok(id_no: str) -> bool:
    """Independent check of an 18-character ID number's check digit."""
    if len(id_no) != 18 or not id_no[:17].isdigit():
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    total = sum(int(d) * w for d, w in zip(id_no[:17], weights))
    check = (12 - total % 11) % 11
    return id_no[17] == ("X" if check == 10 else str(check))


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "new.xlsx"
    create_workbook(path, name="测试小区", company="测试物业", phone="0755-1234 5678")
    return path


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[object]]]:
    path = tmp_path_factory.mktemp("gen") / "estate.xlsx"
    _load_generator().generate(path, seed=7)
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_every_register_with_chinese_headers_in_schema_order(blank: Path) -> None:
    wb = load_workbook(blank)
    assert wb.sheetnames == [s.zh for s in schema.SHEETS]
    for sheet in schema.SHEETS:
        ws = wb[sheet.zh]
        assert [c.value for c in ws[1]] == [c.zh for c in sheet.columns]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.b


def test_settings_sheet_has_one_row_per_setting(blank: Path) -> None:
    ws = load_workbook(blank)[schema.ESTATE.zh]
    values = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert list(values) == [label for _, label, _ in schema.ESTATE_SETTINGS]
    assert values["小区名称"] == "测试小区"
    assert values["缴费期限(天)"] == "15"
    assert values["滞纳金"] == "不收"


def test_status_drop_down_lists_every_status(blank: Path) -> None:
    ws = load_workbook(blank)[schema.OWNERS.zh]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[[c.key for c in schema.OWNERS.columns].index("status")]
    lists = [dv for dv in ws.data_validations.dataValidation if f"{letter}2:{letter}1048576" in str(dv.sqref)]
    assert len(lists) == 1
    assert lists[0].type == "list"
    assert "托管" in lists[0].formula1
    assert lists[0].showErrorMessage and lists[0].error


def test_column_default_formats(blank: Path) -> None:
    ws = load_workbook(blank)[schema.OWNERS.zh]
    keys = [c.key for c in schema.OWNERS.columns]
    letter = lambda key: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[keys.index(key)]  # noqa: E731
    assert ws.column_dimensions[letter("move_in_date")].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions[letter("unit_id")].number_format == "@"
    assert ws.column_dimensions[letter("id_no")].number_format == "@"


def test_refuses_an_existing_path(blank: Path) -> None:
    before = blank.read_bytes()
    with pytest.raises(FileExistsError):
        create_workbook(blank, name="别的小区")
    assert blank.read_bytes() == before


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    create_workbook(tmp_path / "a.xlsx", name="阳光花园")
    create_workbook(tmp_path / "b.xlsx", name="阳光花园")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_sample_units(sample: dict[str, list[list[object]]]) -> None:
    header, *rows = sample[schema.OWNERS.zh]
    col = {name: header.index(name) for name in header}
    units = [r[col["房号"]] for r in rows]
    assert len(units) == 432 and len(set(units)) == 432
    assert all(isinstance(u, str) for u in units)
    assert "3-2-1201" in units and "1-1-0302" in units
    assert all(isinstance(r[col["联系电话"]], str) and len(r[col["联系电话"]]) == 11 for r in rows)
    statuses = Counter(r[col["房屋状态"]] for r in rows)
    assert set(statuses) == set(schema.STATUSES)
    assert statuses["自住"] > len(rows) / 2
    for r in rows:  # vacant units: nobody lives there, nobody moved in
        if r[col["房屋状态"]] == "空置":
            assert r[col["常住人口"]] == 0 and r[col["入住日期"]] == ""


def test_sample_id_numbers_have_valid_check_digits(sample: dict[str, list[list[object]]]) -> None:
    header, *rows = sample[schema.OWNERS.zh]
    ids = [r[header.index("证件号码")] for r in rows]
    assert all(isinstance(i, str) and gb11643_ok(i) for i in ids), [i for i in ids if not gb11643_ok(str(i))]
    assert any(i.endswith("X") for i in ids)
    assert gb11643_ok("11010519491231002X")  # the standard's own example
    assert not gb11643_ok("110105194912310021")  # ...with a wrong check digit


def test_sample_transfers_match_owners(sample: dict[str, list[list[object]]]) -> None:
    header, *rows = sample[schema.OWNERS.zh]
    owner_of = {r[header.index("房号")]: r[header.index("业主姓名")] for r in rows}
    t_header, *transfers = sample[schema.TRANSFERS.zh]
    assert 3 <= len(transfers) <= 5
    for t in transfers:
        unit, to_owner, from_owner = (t[t_header.index(k)] for k in ("房号", "新业主", "原业主"))
        assert owner_of[unit] == to_owner
        assert from_owner != to_owner


def test_sample_rates_and_empty_registers(sample: dict[str, list[list[object]]]) -> None:
    r_header, *rates = sample[schema.RATES.zh]
    items = Counter(r[r_header.index("收费项目")] for r in rates)
    assert items == {"物业费": 2, "电费": 1, "水费": 1, "停车费": 1}
    for sheet in (schema.READINGS, schema.BILLS, schema.PAYMENTS, schema.JOURNAL):
        assert sample[sheet.zh] == [[c.zh for c in sheet.columns]]
