"""The group figures (`group stats`, `group arrears`) over the estates published to the group database."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "group.stats_title": ("全公司 {period} 月度收费统计（截至 {date}，{estates} 个小区）",
                          "company statistics for {period} (as of {date}, {estates} estates)"),
    "group.stats_subtitle": ("各小区按 stats monthly 的同一口径计算；全公司一行为所有小区合计后再算比率；期末欠费为 {end} 的欠费",
                             "each estate as stats monthly computes it; the company's rates from the summed figures; arrears at the end as of {end}"),
    "group.arrears_title": ("全公司欠费账龄（截至 {date}，{estates} 个小区）",
                            "company arrears by age (as of {date}, {estates} estates)"),
    "group.none_published": ("集团数据库中还没有发布任何小区（在各小区运行 propcli publish）",
                             "no estate has been published to the group database yet (run propcli publish in each estate)"),
    "group.all_stale": ("这些小区在数据库升级前发布，需重新发布后才能统计：{estates}",
                        "these estates were published before the database was upgraded and must be published again: {estates}"),
    "group.stale": ("以下小区在数据库升级前发布，未计入（在该小区重新运行 propcli publish）：{estates}",
                    "left out, published before the database was upgraded (run propcli publish there again): {estates}"),
    "group.unbilled": ("以下小区在账期 {period} 没有账单（应收为 0，比率为 —）：{estates}",
                       "no bills for {period} in these estates (billed 0, rates —): {estates}"),
}
