"""The monthly statistics (`stats monthly`, `stats explain`): titles, the empty month, bad input."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "stats.title": ("{name} {period} 月度统计（截至 {date}）", "{name} statistics for {period} (as of {date})"),
    "stats.subtitle": ("收费率目标 {target}；账单按账期计，实收为截至计算日期已收，预收与预存另列，不计入任何比率",
                       "target {target}; bills by period, collected = paid by the as-of day; prepayments apart, in no rate"),
    "stats.no_bills": ("账期 {period} 没有账单：报表为空（先运行 propcli billing run --period {period}）",
                       "no bills for {period}: the report is empty (run propcli billing run --period {period} first)"),
    "stats.no_bills_building": ("楼栋 {building} 在账期 {period} 没有账单：报表为空（该账期有账单的楼栋：{buildings}）",
                                "building {building} has no bills for {period}: the report is empty (billed: {buildings})"),
    "stats.as_of_early": ("计算日期 {value} 早于账期 {period} 的第一天 {start}",
                          "as-of day {value} is before {period} began ({start})"),
    "stats.as_of_early.hint": ("--as-of 写 {start} 或以后的日期（默认今天）", "give --as-of {start} or later (default: today)"),
    "stats.target": ("收费率目标 {value} 不是百分比", "collection target {value} is not a percentage"),
    "stats.target.hint": ("写成 95%、95 或 0.95（大于 0，不超过 100%）；留空即 95%",
                          "write e.g. 95%, 95 or 0.95 (above 0, at most 100%); blank means 95%"),
    "stats.kpi": ("没有指标 {value}", "no figure {value}"),
    "stats.kpi.hint": ("可选：{choices}", "one of: {choices}"),
}
