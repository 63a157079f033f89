"""Benchmark of the month end (issue 14): the M estate's whole month in one command.

    python bench/monthend.py [--size M] [--runs 1]

On a fresh copy of the estate (bench/estates.py: M = 3,000 units, bills to 2025-12) with the readers' sheet
of 2026-01 (every unit's water and power meter, a month on: 6,000 readings, as bench/run.py makes it):

  propcli month-end --period 2026-01 --readings readings-2026-01.csv --as-of 2026-01-28 -o out --yes

check → import 6,000 readings → anomalies → ~10,000 bills → 3,000 payment notices (PDF + HTML) and their SMS
file → arrears report and today's dunning list → the dunning letters → the monthly statistics (HTML with
charts + XLSX) → index.html. Then the same command again (every step done: skipped). Target: ≤ 60 s.
Wall time and peak RSS of the command's own process (the PDF workers it starts are apart: bench/notices.py
measures them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import NEXT, OUT, estate, readings_csv, run  # noqa: E402

TARGET_SECONDS = 60


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="M", choices=("S", "M", "L"))
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    src = estate(args.size, lambda msg: print(msg, file=sys.stderr))
    work = OUT / f"monthend-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    readings = work / f"readings-{NEXT}.csv"
    n = readings_csv(src, readings)
    propcli = [sys.executable, "-m", "propcli"]
    cmd = [*propcli, "-w", "estate.xlsx", "month-end", "--period", NEXT, "--readings", readings.name,
           "--as-of", f"{NEXT}-28", "-o", "out", "--yes"]
    times, peaks, again = [], [], []
    for _ in range(args.runs):
        shutil.rmtree(work / "out", ignore_errors=True)
        shutil.rmtree(work / ".propcli", ignore_errors=True)
        shutil.copyfile(src, work / "estate.xlsx")
        t, peak = run(cmd, work)
        times.append(t)
        peaks.append(peak)
        again.append(run(cmd, work)[0])
    files = sorted(p.name for p in (work / "out" / NEXT).iterdir())
    seconds = statistics.median(times)
    print(f"month-end {args.size} ({n:,} readings): {seconds:.1f} s, peak {max(peaks)} MiB "
          f"(target ≤ {TARGET_SECONDS} s: {'✓' if seconds <= TARGET_SECONDS else '✗'}); "
          f"second run (all done) {statistics.median(again):.1f} s; {len(files)} files in {work / 'out' / NEXT}")


if __name__ == "__main__":
    main()
