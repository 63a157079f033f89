"""Turning what a real workbook holds into typed values.

Real registers are messy: numbers stored as text and text stored as numbers, Excel date serials next to
`2014年10月` text dates, full-width digits, trailing spaces and line breaks inside unit ids, phones stored
as numbers. Each `to_*` function takes a raw cell value (as the reader gives it: str, float, int, bool,
date, datetime or None) and returns the typed value, or raises `ValueProblem` with a hint.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..errors import RuleError
from .schema import Kind


class ValueProblem(RuleError):
    """A cell value that cannot be read as its column's type; `key` names the message (see i18n)."""

    def __init__(self, key: str, value: object) -> None:
        super().__init__(key, value=value)
        self.args = (f"{key}: {value!r}",)

    def with_params(self, **params: object) -> ValueProblem:
        """The same problem, with what its message needs beyond the value (a ceiling, a window)."""
        self.params.update(params)
        return self


class CellError(str):
    """An error cell as Excel shows it (`#N/A`, `#REF!`, `#DIV/0!`…), as a reader gives it: never a
    value of its column (every converter refuses it), kept as plain text once read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"CellError({str(self)!r})"


def raw_cell(value: object) -> object:
    """A raw cell as a table keeps it (and the read cache stores it): an error cell as its plain text."""
    return str(value) if type(value) is CellError else value


EXCEL_EPOCH = dt.date(1899, 12, 30)
_WS_INSIDE = re.compile(r"[\s\u3000]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def clean_text(value: object) -> str:
    """Text as typed, with surrounding spaces dropped and inner runs of spaces or line breaks made one space.

    Free text keeps its full-width punctuation (（）、；): only identifiers are folded to half-width.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def to_identifier(value: object) -> str:
    """An identifier is text: `0012` stays `0012`; 1201.0 (a number cell) becomes `1201`; inner spaces go."""
    if isinstance(value, bool):
        raise ValueProblem("value.bool", value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueProblem("value.id_number", value)
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        raise ValueProblem("value.id_date", value)
    s = str(value)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return _WS_INSIDE.sub("", s) if _WS_INSIDE.search(s) else s


def to_idno(value: object) -> str:
    """18-character ID numbers; a lower-case x is folded to X. Numbers cannot hold 18 digits exactly."""
    if isinstance(value, float) and abs(value) >= 1e15:
        raise ValueProblem("value.idno_float", value)
    return to_identifier(value).upper()


# No number in an estate's registers comes near this: an area, a reading, a price or a line of a bill.
# Above it a cell is a typing slip or a generator's bug (1e20, 1e309), never a value to compute with.
NUMBER_LIMIT = Decimal(10) ** 12
MONEY_PLACES = Decimal("0.01")
INT_LIMIT = 10**6  # 常住人口, 顺序, 最少欠费月数: whole numbers, never negative


def to_decimal(value: object) -> Decimal:
    """A finite number of sane size: NaN, infinities (a `1e309` cell) and anything from 10^12 up are refused."""
    d = _decimal(value)
    if abs(d) >= NUMBER_LIMIT:
        raise ValueProblem("value.too_large", value)
    return d


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueProblem("value.bool", value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem("value.not_finite", value)
        if value.is_integer():
            return Decimal(int(value))  # 89.0 → 89
        return Decimal(repr(value))  # shortest repr: 87.045 stays 87.045, not 87.0449999...
    if isinstance(value, (dt.date, dt.datetime)):
        raise ValueProblem("value.not_number", value)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    s = s.replace(",", "").replace("¥", "").replace("￥", "")
    for unit in ("元", "m2", "m²", "平方米", "平米"):  # NFKC has turned ㎡ into m2
        s = s.removesuffix(unit)
    s = s.strip()
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueProblem("value.not_number", value) from None
    if not d.is_finite():
        raise ValueProblem("value.not_finite", value)
    return d


def to_money(value: object) -> Decimal:
    """An amount in 元: a sane finite number with at most two decimals (分). A float cell's binary noise
    (176.76999999999998 for 176.77) is the two-decimal number it stands for."""
    d = to_decimal(value)
    cents = d.quantize(MONEY_PLACES)
    if cents == d:
        return d
    if isinstance(value, float) and abs(cents - d) < Decimal("1e-9"):
        return cents
    raise ValueProblem("value.money_places", value)


def to_int(value: object) -> int:
    d = to_decimal(value)
    if d != d.to_integral_value():
        raise ValueProblem("value.not_whole", value)
    if d < 0:
        raise ValueProblem("value.negative", value)
    if d >= INT_LIMIT:
        raise ValueProblem("value.too_large", value)
    return int(d)


def from_serial(serial: float) -> dt.datetime:
    if not 1 <= serial < 2958466:
        raise ValueProblem("value.not_date", serial)
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=serial)


def to_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_serial(float(value))  # a date typed into a cell formatted as a number
    if isinstance(value, dt.time):
        raise ValueProblem("value.not_date", value)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            parts = [int(g) if g else 0 for g in m.groups()]
            parts += [0] * (6 - len(parts))
            try:
                return dt.datetime(*parts[:6])  # type: ignore[arg-type]
            except ValueError:
                break
    raise ValueProblem("value.not_date", value)


def to_date(value: object) -> dt.date:
    return to_datetime(value).date()


def to_period(value: object) -> str:
    """A billing period `YYYY-MM` from `2014-10`, `2014年10月`, `201410`, or a date cell."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    m = _MONTH_PATTERN.match(s) or _MONTH_COMPACT.match(s)
    if m and 1 <= int(m.group(2)) <= 12 and int(m.group(1)) >= 1:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    try:
        d = to_date(value)
    except ValueProblem:
        raise ValueProblem("value.not_period", value) from None
    return f"{d.year:04d}-{d.month:02d}"


def _refusing_error_cells(convert):  # type: ignore[no-untyped-def]
    def convert_cell(value: object) -> object:
        if type(value) is CellError:
            raise ValueProblem("value.error_cell", str(value))
        return convert(value)

    convert_cell.__name__ = convert.__name__
    convert_cell.__doc__ = convert.__doc__
    return convert_cell


CONVERTERS = {
    Kind.TEXT: clean_text,
    Kind.ENUM: clean_text,
    Kind.ID: to_identifier,
    Kind.PHONE: to_identifier,  # phones are identifiers: 13800138000.0 reads back as its digits
    Kind.IDNO: to_idno,
    Kind.DECIMAL: to_decimal,
    Kind.MONEY: to_money,
    Kind.INT: to_int,
    Kind.DATE: to_date,
    Kind.DATETIME: to_datetime,
    Kind.PERIOD: to_period,
}
CONVERTERS = {kind: _refusing_error_cells(convert) for kind, convert in CONVERTERS.items()}


def coerce(value: object, kind: Kind) -> object:
    """The typed value of one non-blank cell, per its column's declared kind."""
    return CONVERTERS[kind](value)


_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def has_fullwidth(text: str) -> bool:
    """Full-width ASCII look-alikes (１２３, Ａ, －, （）) that NFKC would fold."""
    return _FULLWIDTH.search(text) is not None


# -- values typed on the command line: what no clerk means -------------------------------------------

MONEY_CEILING = Decimal("10000000")  # per payment or bill line, unless 小区信息 › 金额上限 raises it
EARLIEST = dt.date(2000, 1, 1)  # no estate workbook holds a payment, reading or bill before this
FUTURE_DAYS = 366  # a payment, reading or transfer more than a year ahead is a typing slip
FUTURE_DAYS_PLANNED = 5 * 366  # a promise or deadline: the future is the point, but not centuries of it


def money_ceiling(setting: object) -> Decimal:
    """The estate's ceiling (小区信息 › 金额上限, blank: 10,000,000 元)."""
    if is_blank(setting):
        return MONEY_CEILING
    try:
        ceiling = to_money(setting)
    except ValueProblem:
        raise ValueProblem("value.ceiling_setting", setting) from None
    if ceiling <= 0:
        raise ValueProblem("value.ceiling_setting", setting)
    return ceiling


def check_amount(value: object, ceiling: Decimal = MONEY_CEILING, *, zero_ok: bool = False) -> Decimal:
    """An amount typed by the clerk: above 0 (or 0 where nothing paid is an answer), at most 2 decimals,
    not above the estate's ceiling."""
    d = to_money(value)
    if d < 0 and zero_ok:
        raise ValueProblem("value.negative", value)
    if d < 0 or (d == 0 and not zero_ok):
        raise ValueProblem("value.amount_sign", value)
    if d > ceiling:
        raise ValueProblem("value.above_ceiling", value).with_params(ceiling=f"{ceiling:,.2f}")
    return d


def check_quantity(value: object) -> Decimal:
    """An area or a meter reading typed by the clerk: a sane number, not negative."""
    d = to_decimal(value)
    if d < 0:
        raise ValueProblem("value.negative", value)
    return d


def check_day(day: dt.date, today: dt.date, *, planned: bool = False) -> dt.date:
    """A day typed by the clerk, within 2000-01-01 … a year from today (five years for a promise or a
    deadline, where a future day is the point)."""
    latest = today + dt.timedelta(days=FUTURE_DAYS_PLANNED if planned else FUTURE_DAYS)
    if not EARLIEST <= day <= latest:
        raise ValueProblem("value.day_window", day.isoformat()).with_params(
            earliest=EARLIEST.isoformat(), latest=latest.isoformat())
    return day


def check_period(period: str, today: dt.date) -> str:
    """A 账期 typed by the clerk, within 2000-01 … the month a year from today."""
    latest = today + dt.timedelta(days=FUTURE_DAYS)
    last = f"{latest.year:04d}-{latest.month:02d}"
    if not f"{EARLIEST.year:04d}-01" <= period <= last:
        raise ValueProblem("value.period_window", period).with_params(earliest=f"{EARLIEST.year:04d}-01", latest=last)
    return period


# A 房号 is letters, digits, `-` and the words of a unit's address: 3-2-1201, 3栋2单元1201, B座1201,
# C1首层112铺 (Chinese characters: real registers name shops and villas with more than 栋/单元/室).
# Anything else (`/`, `\`, `.`, spaces, control characters, punctuation) has no place in one, and would let
# a file name made from it leave its folder.
_UNIT_ID = re.compile(r"[A-Za-z0-9\-#\u3400-\u4dbf\u4e00-\u9fff]+")
UNIT_ID_MAX = 40


def check_unit_id(value: object) -> str:
    """A new unit's 房号, as a clerk types it or an import holds it; refused with the first bad character."""
    text = to_identifier(value)
    if len(text) > UNIT_ID_MAX:
        raise ValueProblem("value.unit_id_length", shorten(text)).with_params(n=len(text))
    if not _UNIT_ID.fullmatch(text):
        bad = next((c for c in text if not _UNIT_ID.fullmatch(c)), text[:1])
        raise ValueProblem("value.unit_id", text).with_params(bad=repr(bad))
    return text


def shorten(text: str, limit: int = 40) -> str:
    """A value short enough to name in a message."""
    return text if len(text) <= limit else text[:limit] + f"…（{len(text)}）"
