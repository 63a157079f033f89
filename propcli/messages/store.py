"""Reading and writing the workbook: where a problem is, missing or unreadable workbooks, sheets and headers, a busy workbook, writes, undo, init."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "loc.row": ("第 {row} 行", "row {row}"),
    "workbook.missing": ("找不到工作簿 {path}", "workbook {path} not found"),
    "workbook.missing.hint": ("用 -w 指定工作簿，或先运行 propcli init", "name it with -w, or create one with propcli init"),
    "workbook.none": ("当前文件夹没有唯一的 .xlsx 工作簿", "no single .xlsx workbook in this folder"),
    "workbook.none.hint": ("用 -w 或环境变量 PROPCLI_WORKBOOK 指定", "name it with -w or PROPCLI_WORKBOOK"),
    "workbook.corrupt": ("{path} 不是可读的 xlsx 工作簿（{reason}）", "{path} is not a readable xlsx workbook ({reason})"),
    "workbook.corrupt.hint": (
        "用 Excel/WPS 打开后另存为 .xlsx，或从 .propcli/backups 恢复",
        "open it in Excel/WPS and save as .xlsx, or restore from .propcli/backups",
    ),
    "workbook.encrypted": (
        "{path} 设置了打开密码（文件已加密），propcli 无法读取",
        "{path} is password-protected (encrypted); propcli cannot read it",
    ),
    "workbook.encrypted.hint": (
        "在 Excel 中打开：文件 › 信息 › 保护工作簿 › 用密码进行加密，清空密码后保存"
        "（WPS：文件 › 文档加密 › 密码加密，清除打开密码）；需要保密时请把文件放在受保护的文件夹里",
        "open it in Excel, File › Info › Protect Workbook › Encrypt with Password, clear the password and save "
        "(WPS: File › Document Encryption › Password); keep the file in a protected folder instead",
    ),
    "workbook.legacy": (
        "{path} 其实是旧版 .xls 文件（Excel 97–2003 格式），只是扩展名为 .xlsx",
        "{path} is really a legacy .xls file (Excel 97–2003), only named .xlsx",
    ),
    "workbook.legacy.hint": (
        "用 Excel/WPS 打开，另存为「Excel 工作簿 (*.xlsx)」",
        "open it in Excel/WPS and save it as 'Excel Workbook (*.xlsx)'",
    ),
    "workbook.strict": (
        "{path} 是「Strict Open XML 电子表格」格式，propcli 不支持这种变体",
        "{path} is a 'Strict Open XML Spreadsheet'; propcli does not support this variant",
    ),
    "workbook.strict.hint": (
        "在 Excel 中打开：文件 › 另存为，保存类型选「Excel 工作簿 (*.xlsx)」（不要选「Strict Open XML 电子表格」）",
        "open it in Excel, File › Save As, and choose 'Excel Workbook (*.xlsx)' (not 'Strict Open XML Spreadsheet')",
    ),
    "workbook.shared_string": (
        "单元格 {cell} 引用第 {index} 个共享字符串，但工作簿只有 {count} 个：这格的文字已丢失",
        "cell {cell} refers to shared string {index}, but the workbook has only {count}: its text is lost",
    ),
    "workbook.shared_string.hint": (
        "用 Excel/WPS 打开（按提示修复）后重新保存并核对这格，或从 .propcli/backups 恢复之前的版本",
        "open it in Excel/WPS (let it repair the file), save it and check that cell, or restore an earlier "
        "version from .propcli/backups",
    ),
    "workbook.no_shared_strings": (
        "单元格 {cell} 的文字应在共享字符串表中，但工作簿缺少这部分（xl/sharedStrings.xml）：文字已丢失",
        "cell {cell} keeps its text in the shared-strings part, but the workbook has none "
        "(xl/sharedStrings.xml): the text is lost",
    ),
    "workbook.no_shared_strings.hint": (
        "用 Excel/WPS 打开（按提示修复）后重新保存并核对文字，或从 .propcli/backups 恢复之前的版本",
        "open it in Excel/WPS (let it repair the file), save it and check the text, or restore an earlier "
        "version from .propcli/backups",
    ),
    "workbook.readonly": ("{path} 是旧版 .xls 文件，只能读取", "{path} is a legacy .xls file and can only be read"),
    "workbook.readonly.hint": ("用 Excel/WPS 另存为 .xlsx 后再修改", "save it as .xlsx in Excel/WPS to change it"),
    "sheet.missing": ("缺少工作表「{sheet}」", "sheet '{sheet}' is missing"),
    "sheet.missing.hint": (
        "现有工作表：{found}。请把对应的表改名为「{sheet}」（或英文名 {english}）",
        "sheets found: {found}. Rename the right one to '{sheet}' (or '{english}')",
    ),
    "sheet.ambiguous": (
        "有 {count} 个工作表都是「{sheet}」：{names}（表名只差空格、全角/半角或中英文）",
        "{count} sheets are all '{sheet}': {names} (the names differ only in spaces, width or language)",
    ),
    "sheet.ambiguous.hint": (
        "只保留一个：把其余的表改名（例如「{sheet}-旧」）或删除后再运行",
        "keep one: rename the others (e.g. '{sheet}-old') or delete them, then run again",
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
