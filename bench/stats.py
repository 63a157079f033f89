"""Bench lines of issue 13: `stats monthly` on a bench estate (M by default).

    python bench/stats.py [--size M] [--runs 3]

The estate's last billed month (2025-12 on the generated S/M/L: two years of bills from 2024-01) as of
2026-01-31, each run a new process (median of --runs, peak memory):
- cold: no read cache and no remembered output (the morning after the workbook was saved in Excel);
- warm, computed: the read cache of the same workbook, no remembered output (the figures are computed
  again: what a run costs after a change elsewhere in the estate's folder, or with another --as-of);
- warm, unchanged: the same question asked again of the same workbook bytes (render.memo);
- the xlsx report with its drill-down sheets, computed on a warm read cache.
Targets on M: ≤ 3 s cold, ≤ 1 s when nothing changed; on L ≤ 15 s cold.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PERIOD, AS_OF = "2025-12", "2026-01-31"
TARGETS = {"M": [("stats monthly (cold)", 3.0), ("stats monthly (warm, unchanged)", 1.0)],
           "L": [("stats monthly (cold)", 15.0)]}


def bench(size: str, src: Path, work: Path, runs: int, log, results: list) -> None:  # type: ignore[no-untyped-def]
    """Time the lines on a copy of `src` in `work`; append (size, command, (s, MiB), None) to results."""
    from bench.run import measure, run

    work.mkdir(parents=True, exist_ok=True)
    wb, state = work / "estate.xlsx", work / ".propcli"
    shutil.copyfile(src, wb)
    shutil.rmtree(state, ignore_errors=True)
    propcli = [sys.executable, "-m", "propcli", "-q", "-w", str(wb)]
    monthly = [*propcli, "stats", "monthly", "--period", PERIOD, "--as-of", AS_OF]
    json_out = [*monthly, "-o", str(work / "stats.json")]

    def no_cache() -> None:
        shutil.rmtree(state / "cache", ignore_errors=True)

    def forget_outputs() -> None:
        for path in (state / "cache").glob("out-*.bin"):
            path.unlink()

    results.append((size, "stats monthly (cold)", measure(json_out, work, runs, before=no_cache), None))
    run([*propcli, "check"], work)  # every register read once: the warm cache the clerk's workbook has
    results.append((size, "stats monthly (warm, computed)", measure(json_out, work, runs, before=forget_outputs), None))
    run(json_out, work)
    results.append((size, "stats monthly (warm, unchanged)", measure(json_out, work, runs), None))
    xlsx = [*monthly, "-o", str(work / "stats.xlsx")]
    results.append((size, "stats monthly -o .xlsx (warm, computed)", measure(xlsx, work, runs, before=forget_outputs), None))
    log(f"{size}: {work / 'stats.json'}")


def report(results: list) -> None:
    from bench.service import report as lines

    lines(results, TARGETS, "13")


def main() -> None:
    from bench.service import command_line

    command_line(__doc__, bench, "stats", report)


if __name__ == "__main__":
    main()
