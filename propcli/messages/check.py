"""`propcli check`: the named checks' findings and their fixes."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "check.unknown": ("没有名为 {name} 的检查", "there is no check named {name}"),
    "check.unknown.hint": ("可用的检查：{names}", "checks: {names}"),
    "check.duplicate_unit": ("{value} 重复（另见第 {other} 行）", "{value} appears twice (also row {other})"),
    "check.duplicate_unit.hint": ("删除或改正重复的行", "delete or correct one of the rows"),
    "check.required": ("必填项为空", "required cell is empty"),
    "check.required.hint": ("填写 {column}", "fill in {column}"),
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
    "check.status": ("{value} 不在可选值 {choices} 之中", "{value} is not one of {choices}"),
    "check.status.hint": ("从下拉列表中选择", "choose from the drop-down list"),
    "check.sheet_size": (
        "已用到第 {rows} 行，接近一张工作表的上限 {limit} 行（{percent}%）",
        "rows used up to {rows}, near the {limit} rows a sheet can hold ({percent}%)",
    ),
    "check.sheet_size.hint": (
        "写满后 propcli 自动续写到「{next}」，各命令照常读取；也可把旧账期移到归档工作簿",
        "when it is full propcli continues in '{next}' and every command reads both; or move old periods to an archive workbook",
    ),
    "check.bill_changed": ("账单 {bill} 金额 {value}，按现行收费标准与读数应为 {now}", "bill {bill} is {value}; the current rates and readings give {now}"),
    "check.bill_changed.hint": (
        "收费标准或读数在出账后改过，propcli 不会自动重新出账：核对后用 propcli bills adjust {bill} --amount {now} --reason 原因 调整，"
        "或用 propcli bills waive {bill} --reason 原因 减免（现行计算：{detail}）",
        "the rates or readings changed after billing and propcli never re-bills: check, then run propcli bills adjust {bill} "
        "--amount {now} --reason WHY, or propcli bills waive {bill} --reason WHY (now: {detail})",
    ),
}
