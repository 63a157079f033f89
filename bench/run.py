"""Benchmark: propcli against the baselines a clerk or a script would use, on generated estates.

    python bench/run.py [--sizes S,L] [--runs 5]

S is the shipped sample (432 units); L is a 20,000-unit owners register generated into bench/out/
(not committed). Each command runs in a fresh process; the figure is the median wall time of --runs
runs and the peak resident memory of the slowest run. Baselines on the same file:
  - read: pandas.read_excel with its default engine (openpyxl), the usual script
  - update: openpyxl load → edit one cell → save, the usual script (and it drops data bars, sparklines,
    formula cached values: see README)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SAMPLE = ROOT / "sample_data" / "estate.xlsx"
UNIT = "3-2-1201"

PANDAS_READ = "import pandas, sys; df = pandas.read_excel(sys.argv[1], sheet_name='业主档案', dtype=str); " \
              "print(len(df[df['房号'] == sys.argv[2]]))"
OPENPYXL_UPDATE = ("import openpyxl, sys; wb = openpyxl.load_workbook(sys.argv[1]); ws = wb['业主档案']\n"
                   "for row in ws.iter_rows(min_row=2):\n"
                   "    if row[0].value == sys.argv[2]:\n"
                   "        row[5].value = '13912345678'; break\n"
                   "wb.save(sys.argv[1])")


# A clerk's machine caches compiled modules; some CI images forbid it, which would time the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err}")
    return elapsed, usage.ru_maxrss // 1024


def measure(cmd: list[str], cwd: Path, runs: int, before=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, peaks = [], []
    if before:
        before()
    run(cmd, cwd)  # warm-up: module caches, the file in the page cache
    for _ in range(runs):
        if before:
            before()
        t, m = run(cmd, cwd)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), max(peaks)


def estate(size: str) -> Path:
    if size == "S":
        return SAMPLE
    path = OUT / "owners-20000.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} …", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "-o", str(path),
                        "--units", "20000"], check=True, stdout=subprocess.DEVNULL)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="S,L")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    propcli = [sys.executable, "-m", "propcli", "-q"]
    py = sys.executable
    print(f"{'estate':<8}{'task':<34}{'propcli s':>10}{'MiB':>6}{'baseline s':>12}{'MiB':>6}{'ratio':>8}")
    for size in args.sizes.split(","):
        src = estate(size)
        work = OUT / f"work-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        wb = work / "estate.xlsx"

        def fresh() -> None:
            shutil.copyfile(src, wb)
            shutil.rmtree(work / ".propcli", ignore_errors=True)

        fresh()
        rows = [
            ("owners show UNIT", measure([*propcli, "owners", "show", UNIT], work, args.runs),
             measure([py, "-c", PANDAS_READ, str(wb), UNIT], work, args.runs)),
            ("check (all named checks)", measure([*propcli, "check"], work, args.runs), None),
            ("owners list -f csv", measure([*propcli, "owners", "list", "-f", "csv"], work, args.runs), None),
            ("owners update UNIT --phone", measure([*propcli, "owners", "update", UNIT, "--phone", "13912345678"],
                                                   work, args.runs, before=fresh),
             measure([py, "-c", OPENPYXL_UPDATE, str(wb), UNIT], work, args.runs, before=fresh)),
        ]
        for task, (t, m), base in rows:
            if base:
                bt, bm = base
                print(f"{size:<8}{task:<34}{t:>10.2f}{m:>6}{bt:>12.2f}{bm:>6}{bt / t:>7.1f}×")
            else:
                print(f"{size:<8}{task:<34}{t:>10.2f}{m:>6}{'—':>12}{'':>6}{'':>8}")
    print(f"(median of {args.runs} runs, each in a new process; ratio = baseline time / propcli time)")


if __name__ == "__main__":
    main()
