"""Messages in Chinese (default) and English. Keys are stable; `.hint` keys hold the fix."""

from __future__ import annotations

import os

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "loc.row": ("第 {row} 行", "row {row}"),
    # reading the workbook
    "workbook.missing": ("找不到工作簿 {path}", "workbook {path} not found"),
    "workbook.missing.hint": ("用 -w 指定工作簿，或先运行 propcli init", "name it with -w, or create one with propcli init"),
    "workbook.none": ("当前文件夹没有唯一的 .xlsx 工作簿", "no single .xlsx workbook in this folder"),
    "workbook.none.hint": ("用 -w 或环境变量 PROPCLI_WORKBOOK 指定", "name it with -w or PROPCLI_WORKBOOK"),
    "workbook.corrupt": ("{path} 不是可读的 xlsx 工作簿（{reason}）", "{path} is not a readable xlsx workbook ({reason})"),
    "workbook.corrupt.hint": (
        "用 Excel/WPS 打开后另存为 .xlsx，或从 .propcli/backups 恢复",
        "open it in Excel/WPS and save as .xlsx, or restore from .propcli/backups",
    ),
    "workbook.readonly": ("{path} 是旧版 .xls 文件，只能读取", "{path} is a legacy .xls file and can only be read"),
    "workbook.readonly.hint": ("用 Excel/WPS 另存为 .xlsx 后再修改", "save it as .xlsx in Excel/WPS to change it"),
    "sheet.missing": ("缺少工作表「{sheet}」", "sheet '{sheet}' is missing"),
    "sheet.missing.hint": (
        "现有工作表：{found}。请把对应的表改名为「{sheet}」（或英文名 {english}）",
        "sheets found: {found}. Rename the right one to '{sheet}' (or '{english}')",
    ),
    "header.missing": ("找不到必需的表头：{missing}", "required header(s) not found: {missing}"),
    "header.missing.hint": (
        "在表头行加上这些列（可用中文或英文名）；读到的表头：{found}",
        "add these columns to the header row (Chinese or English names); headers read: {found}",
    ),
    "read.bad_values": ("有 {count} 个单元格无法读取", "{count} cell(s) cannot be read"),
    # values
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
    # writing
    "busy.office": ("工作簿正被 {who} 打开（{marker}）", "the workbook is open in {who} ({marker})"),
    "busy.office.hint": (
        "先在 Excel/WPS/LibreOffice 中保存并关闭；若确认是残留的锁文件，加 --force",
        "save and close it there first; if the marker is stale, add --force",
    ),
    "busy.lock": ("另一个 propcli 正在写入该工作簿", "another propcli is writing this workbook"),
    "busy.lock.hint": ("稍后再试", "try again in a moment"),
    "busy.changed": ("读取后工作簿被其他程序修改过，未写入", "the workbook changed since it was read; nothing was written"),
    "busy.changed.hint": ("重新运行该命令", "run the command again"),
    "write.formula": ("单元格 {cell} 是公式，propcli 不覆盖公式", "cell {cell} holds a formula; propcli does not overwrite formulas"),
    "write.formula.hint": ("在 Excel 中把公式改为数值后再试", "replace the formula with a value in Excel first"),
    "write.sheet_full": ("工作表「{sheet}」已满（{rows} 行）", "sheet '{sheet}' is full ({rows} rows)"),
    "undo.nothing": ("没有可撤销的修改", "nothing to undo"),
    "undo.changed": (
        "上次修改（{command}，{time}）之后工作簿又被改过，不能撤销",
        "the workbook changed after the last propcli change ({command}, {time}); it cannot be undone",
    ),
    "undo.changed.hint": ("如需还原，请手动从 {folder} 复制备份", "to restore anyway, copy a backup from {folder} by hand"),
    "undo.backup_missing": ("备份文件 {backup} 不存在", "backup {backup} is missing"),
    # owners
    "owner.unknown": ("找不到房号 {unit}", "unit {unit} not found"),
    "owner.unknown.hint": ("用 propcli owners find 查找正确的房号", "look it up with propcli owners find"),
    "owner.exists": ("房号 {unit} 已存在（第 {row} 行）", "unit {unit} already exists (row {row})"),
    "owner.exists.hint": ("修改请用 propcli owners update {unit}", "use propcli owners update {unit} to change it"),
    "owner.bad_area": ("建筑面积 {value} 必须大于 0", "area {value} must be greater than 0"),
    "owner.bad_status": ("房屋状态 {value} 不在 {choices} 之中", "status {value} is not one of {choices}"),
    "owner.same_owner": ("{unit} 的业主已经是 {name}", "{name} already owns {unit}"),
    "owner.no_change": ("没有要修改的内容", "nothing to change"),
    "owner.no_change.hint": ("至少给出一个选项，如 --phone", "give at least one option, e.g. --phone"),
    "owner.transfer_before_move_in": (
        "过户日期 {date} 早于上次过户 {last}",
        "transfer date {date} is before the last transfer on {last}",
    ),
    "owner.reading_exists": (
        "{unit} {meter} {period} 已有读数（第 {row} 行）",
        "{unit} already has a {meter} reading for {period} (row {row})",
    ),
    "import.nothing": ("没有可导入的行", "no row could be imported"),
    "import.rejected": ("{count} 行未导入", "{count} row(s) not imported"),
    "import.example_row": ("模板中的示例行（{value}），跳过", "a template's example row ({value}), skipped"),
    "import.no_unit": ("没有房号（也没有楼栋/单元/室号）", "no unit (nor building/entrance/room)"),
    "import.no_unit.hint": ("补上房号后重新导入该行", "add the unit and import the row again"),
    "import.duplicate": ("房号 {value} 在本文件中重复（第 {other} 行已导入）", "unit {value} repeats row {other} of this file"),
    "import.exists": ("房号 {value} 已在业主档案中（第 {other} 行）", "unit {value} is already registered (row {other})"),
    "import.exists.hint": ("如需修改请用 propcli owners update", "use propcli owners update to change it"),
    "import.gap": ("已导入，但缺少 {column}", "imported without {column}"),
    "import.gap.hint": ("之后请补填 {column}", "fill in {column} later"),
    "import.status_dropped": ("房屋状态 {value} 不在 {choices} 之中，已留空", "status {value} is not one of {choices}; left blank"),
    "import.status_dropped.hint": ("导入后用 propcli owners update --status 补填", "set it later with propcli owners update --status"),
    "import.no_unit_column": (
        "无法确定房号列（读到的表头：{found}）",
        "cannot tell which column holds the unit (headers read: {found})",
    ),
    "import.no_unit_column.hint": (
        "用 --map 指定，如 --map 房屋编号=房号 或 --map 单元名称=室号",
        "name it with --map, e.g. --map 房屋编号=unit_id or --map 单元名称=room",
    ),
    "import.bad_map": ("--map {value} 无效", "--map {value} is not valid"),
    "import.bad_map.hint": ("写成 源表头=目标列，如 姓名=业主姓名", "write SOURCE=TARGET, e.g. 姓名=owner_name"),
    "import.no_sheet": ("{path} 中没有名为 {sheet} 的工作表", "{path} has no sheet {sheet}"),
    "date.bad": ("{value} 不是日期", "{value} is not a date"),
    "date.bad.hint": ("按 2024-05-01 的格式填写", "write it as 2024-05-01"),
    "init.exists": ("{path} 已存在", "{path} already exists"),
    "init.exists.hint": ("换一个文件名，或先移走原文件", "choose another name or move the file away"),
    "check.unknown": ("没有名为 {name} 的检查", "there is no check named {name}"),
    "check.unknown.hint": ("可用的检查：{names}", "checks: {names}"),
    # command output
    "out.written": ("已写入 {path}", "wrote {path}"),
    "out.saved": ("已保存 {count} 处修改到 {path}（原文件备份：{backup}）", "saved {count} change(s) to {path} (previous version: {backup})"),
    "out.dry_run": ("试运行：以上 {count} 处修改未写入", "dry run: the {count} change(s) above were not written"),
    "out.nothing": ("没有需要修改的内容", "nothing to change"),
    "out.clean": ("检查通过", "all checks passed"),
    "out.problems": ("发现 {count} 个问题", "{count} problem(s) found"),
    "out.fixed": ("已修正 {count} 处", "fixed {count} cell(s)"),
    "out.created": ("已创建 {path}", "created {path}"),
    "out.undone": ("已撤销：{command}（{time}）", "undone: {command} ({time})"),
    "out.would_undo": ("将撤销：{command}（{time}）", "would undo: {command} ({time})"),
    "out.imported": ("从 {source}「{sheet}」导入 {taken} 户，{rejected} 行未导入，{warnings} 条提醒", "imported {taken} unit(s) from {source} '{sheet}'; {rejected} row(s) not taken; {warnings} warning(s)"),
    "out.no_matches": ("没有找到 {text}", "no match for {text}"),
    "out.internal": ("内部错误：{error}（加 --debug 查看详情）", "internal error: {error} (add --debug for details)"),
    # checks
    "check.duplicate_unit": ("{value} 重复（另见第 {other} 行）", "{value} appears twice (also row {other})"),
    "check.duplicate_unit.hint": ("删除或改正重复的行", "delete or correct one of the rows"),
    "check.required": ("必填项为空", "required cell is empty"),
    "check.required.hint": ("填写 {column}", "fill in {column}"),
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
    "check.area": ("{value} 必须大于 0", "{value} must be greater than 0"),
    "check.area.hint": ("按房产证填写建筑面积", "enter the area from the property certificate"),
    "check.unknown_unit": ("{value} 不在业主档案中", "{value} is not in the owners register"),
    "check.unknown_unit.hint": (
        "改正房号，或先用 propcli owners add 登记该房",
        "correct the unit, or register it with propcli owners add",
    ),
    "check.fullwidth": ("{value} 含全角字符", "{value} contains full-width characters"),
    "check.fullwidth.hint": ("改为半角（--fix 可自动修正）", "use half-width characters (--fix repairs it)"),
    "check.whitespace": ("{value} 含多余的空格或换行", "{value} has stray spaces or line breaks"),
    "check.whitespace.hint": ("删除空格和换行（--fix 可自动修正）", "remove them (--fix repairs it)"),
    "check.date": ("{value} 不是日期", "{value} is not a date"),
    "check.date.hint": ("按 2024-05-01 的格式填写", "enter the date as 2024-05-01"),
    "check.type": ("{value} 无法读取：{reason}", "{value} cannot be read: {reason}"),
    "check.type.hint": ("{fix}", "{fix}"),
    "check.status": ("{value} 不在可选值 {choices} 之中", "{value} is not one of {choices}"),
    "check.status.hint": ("从下拉列表中选择", "choose from the drop-down list"),
    "check.number_as_text": ("{value} 是以文本保存的数字", "{value} is a number stored as text"),
    "check.number_as_text.hint": ("可以正常读取；如需在 Excel 中求和，请转为数字", "it is read fine; convert it to a number to sum it in Excel"),
}


def default_lang() -> str:
    lang = os.environ.get("PROPCLI_LANG", "zh")
    return lang if lang in LANGS else "zh"


def tr(key: str, lang: str, default: str | None = None, **params: object) -> str:
    """The message for `key` in `lang`, with `{params}` filled in; `default` when the key is unknown."""
    pair = MESSAGES.get(key)
    if pair is None:
        if default is not None:
            return default
        return key
    text = pair[1] if lang == "en" else pair[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
