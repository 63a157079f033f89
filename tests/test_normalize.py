"""Reading messy cells: identifiers stay text, numbers and dates in every form a clerk types them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from propcli.store.normalize import (
    ValueProblem, clean_text, has_fullwidth, to_date, to_decimal, to_idno, to_identifier, to_int, to_period,
)
from propcli.store.schema import OWNERS, norm_header, sheet_for


@pytest.mark.parametrize("raw, expected", [
    ("0012", "0012"),  # text keeps its leading zeros
    (1201.0, "1201"),  # a number cell reads back as its digits
    (" 3-2-1201 ", "3-2-1201"),
    ("3-2-\n1201", "3-2-1201"),  # a line break typed inside the cell
    ("３－２－１２０１", "3-2-1201"),  # full-width digits and dash
    (18999999999.0, "18999999999"),  # a phone stored as a number
])
def test_identifiers_are_text(raw: object, expected: str) -> None:
    assert to_identifier(raw) == expected


def test_identifier_refuses_fraction_and_date() -> None:
    with pytest.raises(ValueProblem) as exc:
        to_identifier(12.5)
    assert exc.value.key == "value.id_number"
    with pytest.raises(ValueProblem):
        to_identifier(dt.date(2024, 1, 1))


def test_id_number_stored_as_number_is_refused() -> None:
    # 110101199001010011 cannot be held by a double: Excel shows 110101199001010000
    with pytest.raises(ValueProblem) as exc:
        to_idno(1.1010119900101e17)
    assert exc.value.key == "value.idno_float"
    assert to_idno("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("raw, expected", [
    (87.045, Decimal("87.045")),  # not 87.04499999999999
    ("1,234.50", Decimal("1234.50")),
    ("１２３.５", Decimal("123.5")),
    ("89.5㎡", Decimal("89.5")),
    ("￥12.30元", Decimal("12.30")),
    (3, Decimal(3)),
])
def test_decimals(raw: object, expected: Decimal) -> None:
    assert to_decimal(raw) == expected


def test_decimal_rejects_text() -> None:
    with pytest.raises(ValueProblem) as exc:
        to_decimal("九十")
    assert exc.value.key == "value.not_number"
    with pytest.raises(ValueProblem):
        to_int("3.5")
    assert to_int("4") == 4


@pytest.mark.parametrize("raw, expected", [
    ("2014-10-01", dt.date(2014, 10, 1)),
    ("2014/10/1", dt.date(2014, 10, 1)),
    ("2014.10.01", dt.date(2014, 10, 1)),
    ("2014年10月1日", dt.date(2014, 10, 1)),
    ("20141001", dt.date(2014, 10, 1)),
    (41913.0, dt.date(2014, 10, 1)),  # Excel serial: 1899-12-30 + 41913 days
    (dt.datetime(2014, 10, 1, 9, 30), dt.date(2014, 10, 1)),
])
def test_dates(raw: object, expected: dt.date) -> None:
    assert to_date(raw) == expected


@pytest.mark.parametrize("raw", ["2014年13月1日", "明天", "2014-02-30"])
def test_not_dates(raw: str) -> None:
    with pytest.raises(ValueProblem):
        to_date(raw)


@pytest.mark.parametrize("raw, expected", [
    ("2014年10月", "2014-10"),
    ("2014-10", "2014-10"),
    ("201410", "2014-10"),
    (dt.date(2014, 10, 15), "2014-10"),
    ("2014-10-31", "2014-10"),
])
def test_periods(raw: object, expected: str) -> None:
    assert to_period(raw) == expected


def test_clean_text_and_fullwidth() -> None:
    assert clean_text("  张三\n ") == "张三"
    assert has_fullwidth("Ｂ座１２０１")
    assert not has_fullwidth("B座1201")


@pytest.mark.parametrize("header, key", [
    ("建筑面积(㎡)", "area"),
    ("建筑面积（㎡）", "area"),
    (" 房号 ", "unit_id"),
    ("unit_id", "unit_id"),
    ("手机号(必填)", "phone"),
    ("业主名称", "owner_name"),
    ("UNIT_ID", "unit_id"),
    ("建筑面积㎡", "area"),
])
def test_header_aliases(header: str, key: str) -> None:
    from propcli.store.schema import header_index

    assert header_index(OWNERS)[norm_header(header)] == key


def test_sheet_names_chinese_english_and_spaced() -> None:
    assert sheet_for("业主档案") is OWNERS
    assert sheet_for("owners") is OWNERS
    assert sheet_for(" 业主档案 ") is OWNERS
    assert sheet_for("其他") is None
