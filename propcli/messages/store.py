"""Reading and writing the workbook: where a problem is, missing or unreadable workbooks, sheets and headers, a busy workbook, writes, undo, init."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "loc.row": ("第 {row} 行", "row {row}"),
    "workbook.missing": ("找不到工作簿 {path}", "workbook {path} not found"),
    "workbook.missing.hint": ("用 -w 指定工作簿，或先运行 propcli init", "name it with -w, or create one with propcli init"),
    "workbook.none": ("当前文件夹 {folder} 里没有 .xlsx 工作簿", "there is no .xlsx workbook in this folder ({folder})"),
    "workbook.none.hint": ("到小区工作簿所在的文件夹运行，或用 -w 工作簿.xlsx（或环境变量 PROPCLI_WORKBOOK）指定",
                           "run it in the estate workbook's folder, or name it with -w estate.xlsx (or PROPCLI_WORKBOOK)"),
    "source.unreadable": ("读不了 {path}：它不是 xlsx/xls/csv 表格，或已损坏（{reason}）",
                          "cannot read {path}: it is not an xlsx/xls/csv sheet, or it is damaged ({reason})"),
    "source.unreadable.hint": ("用 Excel/WPS 打开后另存为 .xlsx 或 .csv 再导入", "open it in Excel/WPS, save it as .xlsx or .csv, and import that"),
    "workbook.several": ("当前文件夹里有 {count} 个可能的工作簿：{files}", "{count} possible workbooks in this folder: {files}"),
    "workbook.several.hint": ("用 -w 指定要用哪一个，例如 -w {first}（或设置 PROPCLI_WORKBOOK）",
                              "say which one with -w, e.g. -w {first} (or set PROPCLI_WORKBOOK)"),
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
    "init.exists": ("{path} 已存在", "{path} already exists"),
    "init.exists.hint": ("换一个文件名，或先移走原文件", "choose another name or move the file away"),
}
