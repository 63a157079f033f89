"""Phones, ID numbers, masking, unit ids and pinyin initials, with hand-checked examples."""

from __future__ import annotations

from propcli.domain.people import (
    building_name,
    id_check_digit, idno_problem, initials, mask_idno, mask_name, mask_phone, phone_problem, unit_parts,
    unit_sort_key,
)


def test_id_check_digit_worked_example() -> None:
    # GB 11643 worked example 11010519491231002X:
    # digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 × weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    # = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → check char 'X'
    assert id_check_digit("11010519491231002") == "X"
    assert idno_problem("11010519491231002X") is None
    assert idno_problem("110105194912310021") == ("idno.checksum", {"got": "1", "expected": "X"})
    assert idno_problem("110105194913310021")[0] == "idno.birth"
    assert idno_problem("1101051949123100")[0] == "idno.length"
    assert idno_problem("E12345678") is None  # a passport number is not judged as a resident ID


def test_phones() -> None:
    assert phone_problem("13800138000") is None
    assert phone_problem("0755-88886666") is None
    assert phone_problem("13800138000, 0755-88886666") is None
    assert phone_problem("1380013800") == ("phone.digits", {"n": 10})
    assert phone_problem("12345") == ("phone.digits", {"n": 5})
    assert phone_problem("88886666")[0] == "phone.format"  # a landline needs its area code


def test_masks() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0755-88886666") == "075******6666"
    assert mask_idno("11010519491231002X") == "110105********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


def test_units() -> None:
    assert unit_parts("3-2-1201") == ("3", "2", "1201")
    assert unit_parts("3栋2单元1201") == ("3", "2", "1201")
    assert unit_parts("3号楼2单元1201") == ("3", "2", "1201")
    assert unit_parts("3幢1单元302室") == ("3", "1", "302")
    assert unit_parts("B1-708") == ("B1", "", "708")
    assert unit_parts("12#301") == ("12", "", "301")
    assert unit_parts("3-2-12-01") == ("3", "2", "12-01")
    assert unit_parts("商铺A01") == ("", "", "商铺A01")


def test_the_owners_register_cells_win_over_the_unit_id():
    assert unit_parts("3-2-1201", building="5号楼") == ("5", "2", "1201")
    assert unit_parts("商铺A01", building="A座", entrance="", room=None) == ("A", "", "商铺A01")
    assert unit_parts("1201", building="3栋", entrance="2", room="1201") == ("3", "2", "1201")
    assert [building_name(b) for b in ("3号楼", "3栋", "3幢", "12#", " 3 ", "B1")] == ["3", "3", "3", "12", "3", "B1"]
    units = ["10-1-0101", "2-1-0301", "2-1-0101"]
    assert sorted(units, key=unit_sort_key) == ["2-1-0101", "2-1-0301", "10-1-0101"]


def test_pinyin_initials_with_polyphonic_surnames() -> None:
    assert "zs" in initials("张三")
    assert {"zgf", "cgf"} <= initials("曾国藩")  # 曾 zeng (surname) or ceng
    assert "stf" in initials("单田芳")  # 单 shan as a surname
