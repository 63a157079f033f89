"""The merge of a publish into a table the planner's statistics do not yet know the estate of: published,
analyzed without it, published again — the second publish must not turn into a loop over every row per row
(found by the bench: 144,000 readings against 144,000 took more than a quarter of an hour)."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg


def test_a_republish_after_analyze_does_not_loop_row_by_row(pg, cli, sample: Path) -> None:
    assert cli("db", "upgrade").exit_code == 0
    assert cli("-w", sample, "publish", "--estate", "其他小区").exit_code == 0
    with psycopg.connect(pg.db_url, autocommit=True) as conn:  # statistics that know only 其他小区
        conn.execute("analyze")
    assert cli("-w", sample, "publish").exit_code == 0
    t = time.perf_counter()
    result = cli("-w", sample, "publish")  # 阳光花园's rows exist; the statistics say it has none
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - t < 30  # a nested loop over the sample's 25,000 readings takes minutes
    with psycopg.connect(pg.db_url) as conn:
        assert conn.execute("select count(distinct estate), count(*) from propcli.readings").fetchone()[0] == 2
