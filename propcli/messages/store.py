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
    "busy.changed": ("读取后工作簿 {path} 被其他程序修改过，未写入", "{path} changed since it was read; nothing was written"),
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
    "undo.backup_missing.hint": (
        "无法自动撤销；如需还原，请从 .propcli/backups 中手动复制较早的备份",
        "undo cannot restore it; to go back, copy an earlier backup from .propcli/backups by hand",
    ),
    "undo.history_corrupt": (
        "修改记录 {path} 第 {line} 行无法读取，无法确定上一次修改，未撤销",
        "line {line} of the change history {path} cannot be read, so the last change is unknown; nothing was undone",
    ),
    "undo.history_corrupt.hint": (
        "其他命令照常可用。删除或修正该行后再撤销，或从 .propcli/backups 手动复制备份",
        "other commands still work. Delete or fix that line and undo again, or copy a backup from .propcli/backups by hand",
    ),
    "undo.history_unreadable": ("无法读取修改记录 {path}（{reason}）", "cannot read the change history {path} ({reason})"),
    "undo.history_unreadable.hint": (
        "它应是一个文本文件；改名或移走后，propcli 会重新建立（此前的修改不能再撤销）",
        "it should be a text file; rename or move it away and propcli starts a new one (earlier changes can then not be undone)",
    ),
    "workbook.is_dir": ("{path} 是文件夹，不是工作簿", "{path} is a folder, not a workbook"),
    "workbook.is_dir.hint": ("用 -w 指定其中的 .xlsx 文件", "name the .xlsx file inside it with -w"),
    "workbook.not_writable": ("工作簿 {path} 是只读的，未写入", "the workbook {path} is read-only; nothing was written"),
    "workbook.not_writable.hint": (
        "去掉只读属性（文件属性里取消“只读”，或 chmod u+w；若设了不可改标志，chattr -i；只读挂载的磁盘先复制出来）后重新运行",
        "make it writable (untick read-only in its properties, or chmod u+w; chattr -i if it is immutable; copy it off a read-only disk) and run again",
    ),
    "folder.not_writable": ("文件夹 {path} 是只读的，未写入", "the folder {path} is read-only; nothing was written"),
    "folder.not_writable.hint": (
        "propcli 要在工作簿旁写入新文件和备份：让该文件夹可写（chmod u+w），或把工作簿复制到可写的文件夹",
        "propcli writes the new workbook and its backup beside it: make the folder writable (chmod u+w) or copy the workbook to a writable folder",
    ),
    "state.not_dir": ("{path} 应是文件夹，但它（或它的上级）是一个文件", "{path} should be a folder, but it (or a folder above it) is a file"),
    "state.not_dir.hint": (
        "把这个文件改名或移走，propcli 会重新建立该文件夹",
        "rename or move that file away; propcli creates the folder again",
    ),
    "state.not_file": ("{path} 应是文件，但它是一个文件夹", "{path} should be a file, but it is a folder"),
    "state.not_file.hint": ("把这个文件夹改名或移走后重新运行", "rename or move that folder away and run again"),
    "lock.not_file": ("写入锁 {path} 应是文件，但它是一个文件夹", "the write lock {path} should be a file, but it is a folder"),
    "lock.not_file.hint": (
        "确认没有 propcli 在运行后，删除该文件夹再重新运行",
        "make sure no propcli is running, then remove that folder and run again",
    ),
    "write.disk_full": ("磁盘已满，无法写入 {path}；工作簿未改动", "the disk is full writing {path}; the workbook is unchanged"),
    "write.disk_full.hint": (
        "腾出磁盘空间（例如清理 .propcli/backups 里较早的备份）后重新运行",
        "free some space (e.g. older backups in .propcli/backups) and run again",
    ),
    "write.denied": ("没有权限写入 {path}（{reason}）；工作簿未改动", "not allowed to write {path} ({reason}); the workbook is unchanged"),
    "write.denied.hint": (
        "检查该文件和文件夹的权限、只读属性（或 chattr +i），以及磁盘是否只读挂载",
        "check the permissions and read-only flags of the file and its folder (or chattr +i), and whether the disk is mounted read-only",
    ),
    "write.failed": ("写入 {path} 失败（{reason}）；工作簿未改动", "writing {path} failed ({reason}); the workbook is unchanged"),
    "write.failed.hint": ("排除原因后重新运行", "fix the cause and run again"),
    "env.bad_number": (
        "环境变量 {name} 的值 {value} 无效：应为 {low} 到 {high} 之间的数",
        "the environment variable {name}={value} is not valid: expected a number from {low} to {high}",
    ),
    "env.bad_number.hint": (
        "改正它，或删除它（unset {name}）以使用默认值",
        "correct it, or unset it (unset {name}) to use the default",
    ),
    "init.exists": ("{path} 已存在", "{path} already exists"),
    "init.exists.hint": ("换一个文件名，或先移走原文件", "choose another name or move the file away"),
}
