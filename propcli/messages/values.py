"""One cell or one typed value that cannot be read as its type: numbers, dates, periods, identifiers, phones, ID numbers."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "value.error_cell": ("单元格显示错误值 {value}（公式出错或引用失效）", "the cell shows the error {value} (a broken formula or reference)"),
    "value.error_cell.hint": ("在 Excel 中修正公式，或改填正确的值", "fix the formula in Excel, or type the right value"),
    "value.not_number": ("{value} 不是数字", "{value} is not a number"),
    "value.not_number.hint": ("只填数字，例如 89.5", "enter digits only, e.g. 89.5"),
    "value.not_whole": ("{value} 不是整数", "{value} is not a whole number"),
    "value.not_whole.hint": ("填整数，例如 3", "enter a whole number, e.g. 3"),
    "value.not_date": ("{value} 不是日期", "{value} is not a date"),
    "value.not_date.hint": ("按 2024-05-01 的格式填写日期", "enter the date as 2024-05-01"),
    "value.not_period": ("{value} 不是账期", "{value} is not a billing period"),
    "value.not_period.hint": ("按 2024-05 的格式填写月份", "enter the month as 2024-05"),
    "value.id_number": ("{value} 是数字格式，不能作为编号", "{value} is a number, not an identifier"),
    "value.id_number.hint": ("把该列设为「文本」格式后重新输入", "format the column as text (文本) and type it again"),
    "value.id_date": ("{value} 是日期格式，不能作为编号", "{value} is a date, not an identifier"),
    "value.id_date.hint": ("把该列设为「文本」格式后重新输入", "format the column as text (文本) and type it again"),
    "value.idno_float": ("{value} 以数字保存，末几位已丢失", "{value} is stored as a number and has lost its last digits"),
    "value.idno_float.hint": (
        "把该列设为「文本」格式后按证件原样重新输入",
        "format the column as text (文本) and re-enter the number from the ID card",
    ),
    "value.bool": ("{value} 是真/假值", "{value} is a true/false cell"),
    "value.bool.hint": ("填写正确的内容", "enter the right value"),
    "date.bad": ("{value} 不是日期", "{value} is not a date"),
    "date.bad.hint": ("按 2024-05-01 的格式填写", "write it as 2024-05-01"),
    "phone.digits": ("{value} 有 {n} 位，手机号应为 11 位", "{value} has {n} digits — expected 11"),
    "phone.digits.hint": ("核对后重新输入", "check the number with the owner"),
    "phone.format": ("{value} 既不是手机号也不是座机号", "{value} is neither a mobile nor a landline number"),
    "phone.format.hint": (
        "手机号为 11 位（1 开头），座机如 0755-88886666",
        "mobiles have 11 digits starting with 1; landlines look like 0755-88886666",
    ),
    "idno.last": ("{value} 最后一位只能是数字或 X", "{value}: the last character must be a digit or X"),
    "idno.last.hint": ("核对证件后重新输入", "check it against the ID card"),
    "idno.birth": ("{value} 中的出生日期 {birth} 无效", "{value}: birth date {birth} is not a date"),
    "idno.birth.hint": ("核对证件后重新输入", "check it against the ID card"),
    "idno.checksum": (
        "{value} 的校验位是 {got}，应为 {expected}",
        "{value}: check digit is {got}, expected {expected}",
    ),
    "idno.checksum.hint": ("有一位输错了，核对证件后重新输入", "a digit is mistyped; check it against the ID card"),
    "idno.length": ("{value} 有 {n} 位，身份证号应为 18 位", "{value} has {n} digits — an ID number has 18"),
    "idno.length.hint": ("核对证件后重新输入", "check it against the ID card"),
    "period.bad": ("{value} 不是账期", "{value} is not a billing period"),
    "period.bad.hint": ("按 2025-01 的格式填写月份", "write the month as 2025-01"),
}
