"""The owners register (业主档案): lookups, changes, transfers, and importing owners from a file."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "owner.unknown": ("找不到房号 {unit}", "unit {unit} not found"),
    "owner.unknown_near": ("找不到房号 {unit}", "unit {unit} not found"),
    "owner.unknown_near.hint": ("您是不是要找 {near}？", "did you mean {near}?"),
    "owner.ambiguous": ("房号 {unit} 可能是 {units} 中的任一户", "unit {unit} could be any of {units}"),
    "owner.ambiguous.hint": ("写出完整的房号，例如 {units}", "write the unit id in full, as one of {units}"),
    "owner.unknown.hint": ("用 propcli owners find 查找正确的房号", "look it up with propcli owners find"),
    "owner.exists": ("房号 {unit} 已存在（第 {row} 行）", "unit {unit} already exists (row {row})"),
    "owner.exists.hint": ("修改请用 propcli owners update {unit}", "use propcli owners update {unit} to change it"),
    "owner.same_owner": ("{unit} 的业主已经是 {name}", "{name} already owns {unit}"),
    "owner.no_change": ("没有要修改的内容", "nothing to change"),
    "owner.no_change.hint": ("至少给出一个选项，如 --phone", "give at least one option, e.g. --phone"),
    "owner.transfer_before_move_in": (
        "过户日期 {date} 早于上次过户 {last}",
        "transfer date {date} is before the last transfer on {last}",
    ),
    "import.nothing": ("没有可导入的行", "no row could be imported"),
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
    "owner.transfer_future": ("过户日期 {date} 在今天之后，确定吗？", "the transfer date {date} is after today. Go ahead?"),
    "owner.transfer_future.refused": ("过户日期 {date} 在今天之后，未过户", "the transfer date {date} is after today; nothing was changed"),
    "owner.transfer_future.refused.hint": ("核对日期；确是以后的日期就加 --yes", "check the date; if it is meant, add --yes"),
}
