"""Rules about people's data: phone numbers, resident ID numbers, masking (PIPL), unit ids, pinyin."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_SPLIT_PHONES = re.compile(r"[,，;；/、\s]+")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


Reason = tuple[str, dict[str, object]]  # a message key of i18n and its parameters


def phone_problem(phone: str) -> Reason | None:
    """Why a phone cell is not a valid mobile or landline number (several may be listed), or None."""
    for part in (p for p in _SPLIT_PHONES.split(phone) if p):
        digits = part.replace("-", "").replace("+86", "", 1) if part.startswith("+86") else part
        if MOBILE.match(digits) or LANDLINE.match(part):
            continue
        bare = re.sub(r"\D", "", part)
        if bare.startswith("1") and len(bare) != 11:
            return "phone.digits", {"n": len(bare)}
        return "phone.format", {}
    return None


def id_check_digit(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def idno_problem(idno: str) -> Reason | None:
    """Why an 18-digit resident ID number (GB 11643) is invalid, or None. Other documents (passport,
    15-digit old IDs, HK/Macau/Taiwan permits) are left alone unless they look like a broken 18-digit ID."""
    s = idno.upper()
    if len(s) == 18 and s[:17].isdigit():
        if not (s[17].isdigit() or s[17] == "X"):
            return "idno.last", {}
        month, day = int(s[10:12]), int(s[12:14])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return "idno.birth", {"birth": s[6:14]}
        expected = id_check_digit(s[:17])
        if s[17] != expected:
            return "idno.checksum", {"got": s[17], "expected": expected}
        return None
    if s.isdigit() and len(s) not in (15, 18) and 14 <= len(s) <= 20:
        return "idno.length", {"n": len(s)}
    return None


def mask_phone(phone: object) -> str:
    """138****1234; landlines keep area code and last 4 digits."""
    if not phone:
        return ""
    out = []
    for part in (p for p in _SPLIT_PHONES.split(str(phone)) if p):
        if len(part) >= 7:
            out.append(part[:3] + "*" * (len(part) - 7) + part[-4:])
        else:
            out.append("*" * len(part))
    return " ".join(out)


def mask_idno(idno: object) -> str:
    """110101********123X: the region code and the last 4 characters stay."""
    if not idno:
        return ""
    s = str(idno)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_name(name: object) -> str:
    """张* for public lists: the surname and one star per remaining character (at least one)."""
    if not name:
        return ""
    s = str(name).strip()
    return s[0] + "*" * max(len(s) - 1, 1)


class UnitParts(NamedTuple):
    building: str  # 楼栋, without its 号楼/栋/幢/座/# ('' when the 房号 does not say)
    entrance: str  # 单元 ('' when none)
    room: str  # 室号 (the whole 房号 when it cannot be split)


_UNIT_SEPARATORS = re.compile(r"[-－—#＃楼栋幢座单元号室]+")
_BUILDING_SUFFIX = re.compile(r"(?:号楼|号|楼|栋|幢|座|#|＃)$")


def building_name(text: object) -> str:
    """A 楼栋 as the clerk writes it (`3号楼`, `3栋`, `12#`, ` 3 `) reduced to its name (`3`), so that
    `--building 3`, a 楼栋 column saying 3栋 and a 房号 3栋2单元1201 all mean one building."""
    name = str(text or "").strip()
    return _BUILDING_SUFFIX.sub("", name).strip() or name


def unit_parts(unit: str, *, building: object = None, entrance: object = None, room: object = None) -> UnitParts:
    """楼栋/单元/室号 of a 房号 — the one definition every register and report uses.

    `3-2-1201`, `3栋2单元1201`, `3号楼2单元1201` → (3, 2, 1201); `B1-708`, `12#301` → (B1 or 12, '', 708 or 301);
    a 房号 that does not split (`商铺A01`) → ('', '', 商铺A01). The owners register's own 楼栋/单元/室号
    cells, when given, win over what the 房号 says.
    """
    parts = [p for p in _UNIT_SEPARATORS.split(unit.strip()) if p]
    if len(parts) >= 3:
        parsed = UnitParts(parts[0], parts[1], "-".join(parts[2:]))
    elif len(parts) == 2:
        parsed = UnitParts(parts[0], "", parts[1])
    else:
        parsed = UnitParts("", "", unit)
    return UnitParts(building_name(building) if building not in (None, "") else parsed.building,
                     str(entrance).strip() if entrance not in (None, "") else parsed.entrance,
                     str(room).strip() if room not in (None, "") else parsed.room)


def _unit_key(unit: str) -> tuple[str, str, str] | None:
    """A 房号 reduced to what a clerk means by it: 楼栋, 单元 and 室号 without suffixes or leading zeros
    (`3栋2单元1201`, `3号楼2单元1201`, `03-02-1201` and `3-2-1201` are one key). None when it does not
    split into parts."""
    parts = unit_parts(str(unit).strip().upper())
    if not parts.building:
        return None

    def bare(p: str) -> str:
        p = building_name(p)
        return p.lstrip("0") or p if p.isdigit() else p

    return bare(parts.building), bare(parts.entrance), bare(parts.room)


def same_units(typed: str, known: Iterable[str]) -> list[str]:
    """The registered 房号 that `typed` means when written another way (see `_unit_key`): several when
    the reading is ambiguous, none when nothing fits."""
    key = _unit_key(typed)
    if key is None:
        return []
    return [u for u in known if _unit_key(u) == key]


def nearest_units(typed: str, known: Sequence[str], n: int = 3) -> list[str]:
    """The registered 房号 closest to one that is not registered (a digit or a part off), for a
    "did you mean" hint."""
    import difflib

    known = [str(u) for u in known]
    typed_key = _unit_key(typed)
    canon = "-".join(typed_key) if typed_key else str(typed)
    by_canon: dict[str, str] = {}
    for u in known:
        k = _unit_key(u)
        by_canon.setdefault("-".join(k) if k else u, u)
    close = difflib.get_close_matches(canon, list(by_canon), n=n, cutoff=0.6)
    return [by_canon[c] for c in close]


def unit_sort_key(unit: str) -> tuple:
    """Natural order: 2-1-0301 before 10-1-0101."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", unit) if p)


@lru_cache(maxsize=65536)
def initials(name: str) -> frozenset[str]:
    """Every pinyin-initials spelling of a name, polyphonic characters included (曾 → z or c)."""
    from pypinyin import Style, pinyin

    options = pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    spellings = {""}
    for choices in options:
        letters = {c[:1].lower() for c in choices if c} or {""}
        spellings = {s + letter for s in spellings for letter in letters}
        if len(spellings) > 64:  # a pathological name; the common spelling is enough
            spellings = set(list(spellings)[:64])
    return frozenset(s for s in spellings if s)
