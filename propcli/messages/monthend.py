"""Month end (`propcli month-end`): each step's outcome on its log line and on the index page, the stops
for the clerk, and the page's own words."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # the steps, as the log line and the index page name them
    "monthend.step.check": ("检查工作簿", "check"),
    "monthend.step.readings": ("导入读数", "readings"),
    "monthend.step.anomalies": ("读数异常", "anomalies"),
    "monthend.step.billing": ("出账", "billing"),
    "monthend.step.notices": ("缴费通知", "payment notices"),
    "monthend.step.arrears": ("欠费报表", "arrears"),
    "monthend.step.dunning": ("催缴函件", "dunning letters"),
    "monthend.step.stats": ("月度统计", "statistics"),
    "monthend.step.index": ("索引页", "index page"),
    "monthend.step.workbook": ("工作簿", "workbook"),
    # outcomes
    "monthend.skipped": ("已完成，跳过", "done already, skipped"),
    "monthend.recovered": ("操作日志显示此步已写入工作簿（上次运行在记入清单前中断）：再核对一遍，不会重复",
                           "the journal shows this step written (the last run stopped before the manifest): checked "
                           "again, nothing is repeated"),
    "monthend.changed_by_hand": ("上次运行后工作簿被改动过：重做欠费报表、月度统计和索引页（出账、通知、催缴不重复）",
                                 "the workbook changed since the last run: arrears, statistics and index are redone "
                                 "(bills, notices and letters are never repeated)"),
    "monthend.check_clean": ("没有问题", "no problems"),
    "monthend.check_done": ("{problems} 个问题，不影响出账", "{problems} problem(s) that do not affect bills"),
    "monthend.check_stop": ("{blocking} 个问题会使账单出错，已停止（共 {problems} 个，见 检查结果.csv）。第一个：{first}",
                            "{blocking} problem(s) would make bills wrong: stopped ({problems} in all, see 检查结果.csv). "
                            "First: {first}"),
    "monthend.readings_none": ("未给读数表（--readings），不导入", "no readers' sheet given (--readings): nothing imported"),
    "monthend.readings_done": ("{files} 个读数表：导入 {readings} 条，{already} 条已在表中，{rejected} 行未导入",
                               "{files} readers' sheet(s): {readings} reading(s) imported, {already} already there, "
                               "{rejected} row(s) refused"),
    "monthend.readings_rejected": ("读数表 {file} 有 {count} 行不能导入，工作簿未改动：{rows}",
                                   "{count} row(s) of the readers' sheet {file} cannot be imported, workbook untouched: {rows}"),
    "monthend.readings_rejected.hint": ("改正读数表后重新运行 month-end（或加 --yes 先导入其余各行）；每行原因见 {errors}",
                                        "correct the sheet and run month-end again (or add --yes to import the other rows); "
                                        "every row's reason is in {errors}"),
    "monthend.anomalies_none": ("没有读数异常", "no reading anomalies"),
    "monthend.anomalies_done": ("{anomalies} 条读数异常（未说明 {unexplained} 条，已用 --yes 放行）",
                                "{anomalies} anomal(ies) ({unexplained} unexplained, let through by --yes)"),
    "monthend.anomalies_stop": ("{anomalies} 条读数异常，其中 {unexplained} 条未说明：已停止（核实后在 抄表记录 的 备注 写明原因，或加 --yes 继续）",
                                "{anomalies} reading anomal(ies), {unexplained} unexplained: stopped — explain them in the readings' 备注, or add --yes"),
    "monthend.billing_done": ("本期账单 {bills} 张（本次新出 {new_bills} 张），金额 {billed}",
                              "{bills} bill(s) for the period ({new_bills} new in this run), {billed} in all"),
    "monthend.notices_done": ("本期缴费通知 {notices} 份、短信 {sms} 条（本次新出具 {new_notices} 份、{new_sms} 条；出具过的不再出具）",
                              "{notices} payment notice(s) and {sms} SMS for the period ({new_notices} and {new_sms} "
                              "issued in this run; none twice)"),
    "monthend.arrears_done": ("欠费 {debtors} 户，合计 {arrears}；今日应办催缴 {due} 项；时效预警 {warnings} 户",
                              "{debtors} household(s) behind, {arrears} in all; {due} dunning step(s) due today; "
                              "{warnings} limitation warning(s)"),
    "monthend.dunning_done": ("催缴通知/催缴函 {letters} 份、催缴短信 {sms} 条，记入催缴记录 {logged} 条",
                              "{letters} reminder/demand letter(s), {sms} reminder SMS, {logged} contact(s) logged"),
    "monthend.stats_done": ("应收 {billed}，实收 {collected}，收费率 {collection_rate}，户收费率 {household_rate}，清缴率 {recovery_rate}",
                            "billed {billed}, collected {collected}, collection {collection_rate}, households "
                            "{household_rate}, recovery {recovery_rate}"),
    "monthend.index_done": ("索引页已生成", "index page written"),
    "monthend.manifest": ("{path} 不是这个账期可读的月结清单", "{path} is not a month-end manifest of this period"),
    "monthend.manifest.hint": ("换一个 -o 目录，或删去这个文件后重新运行（已出的账单和通知不会重复）",
                               "use another -o folder, or delete the file and run again (bills and notices are not repeated)"),
    # the command
    "monthend.log": ("{time} month-end {period} {step}: {text}", "{time} month-end {period} {step}: {text}"),
    "monthend.finished": ("{period} 月结完成：{index}", "month end {period} done: {index}"),
    "monthend.stopped": ("{period} 月结暂停，请处理后重新运行（已完成的步骤不会重做）：{folder}",
                         "month end {period} stopped for you to look; run it again after (steps done are not redone): {folder}"),
    "monthend.dry_run": ("试运行：以上在工作簿的临时副本上完成，工作簿和 {folder} 都未改动",
                         "dry run: all of the above ran on a temporary copy; the workbook and {folder} are unchanged"),
    "monthend.as_of": ("计算日期 {date}（沿用本月第一次运行的日期；--as-of 可改）",
                       "as-of day {date} (the first run's of this month; --as-of changes it)"),
    # the index page
    "monthend.title": ("{name} {period} 月结", "{name} month end {period}"),
    "monthend.subtitle": ("计算日期 {date} · 生成于 {time} · 工作簿 {workbook}", "as of {date} · made {time} · workbook {workbook}"),
    "monthend.not_done": ("未完成", "not done"),
    "monthend.fig.billed": ("本期应收", "billed"),
    "monthend.fig.collected": ("本期实收", "collected"),
    "monthend.fig.collection_rate": ("收费率", "collection rate"),
    "monthend.fig.household_rate": ("户收费率", "household rate"),
    "monthend.fig.recovery_rate": ("清缴率", "arrears recovery"),
    "monthend.fig.arrears": ("欠费合计", "arrears"),
    "monthend.fig.debtors": ("欠费户数", "households behind"),
    "monthend.fig.bills": ("本期账单", "bills issued"),
    "monthend.fig.notices": ("打印通知", "notices printed"),
    "monthend.fig.anomalies": ("读数异常", "reading anomalies"),
}
