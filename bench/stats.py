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

import argparse
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
    print(f"{'size':<5}{'command':<46}{'propcli s':>10}{'MiB':>6}")
    for size, task, mine, _ in results:
        print(f"{size:<5}{task:<46}{mine[0]:>10.2f}{mine[1]:>6}")
    for size in dict.fromkeys(r[0] for r in results):
        mine = {task: m for s, task, m, _ in results if s == size}
        if size in TARGETS:
            print(f"\ntargets on {size} (issue 13):")
        for task, limit in TARGETS.get(size, []):
            if task in mine:
                print(f"  {'✓' if mine[task][0] <= limit else '✗'} {task:<40} ≤ {limit:.0f} s: {mine[task][0]:.2f} s")


def main() -> None:
    from bench.run import OUT, estate

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="M")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: list = []
    size = args.size.upper()
    bench(size, estate(size, log), OUT / f"stats-{size}", max(1, args.runs), log, results)
    report(results)


if __name__ == "__main__":
    main()
