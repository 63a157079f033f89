"""Benchmark of the notices (issue 12): propcli's print packs against WeasyPrint on the same HTML.

    python bench/notices.py [--notices 1000] [--runs 3]          (also run by bench/run.py)

On the M estate (bench/estates.py: 3,000 units, bills to 2025-12):

  render  1,000 one-page 缴费通知单 of 2025-12 (units with no earlier arrears), contexts prepared once:
          HTML pack (Jinja) · PDF (Typst markup → Typst compiler, CJK font embedded and subset) ·
          WeasyPrint rendering the same HTML pack to PDF — each stage in its own process (its peak RSS)
  command propcli notices render payment --period 2025-12 for those 1,000 units (.html, then .pdf + .html) and
          for the whole month: the 3,000 notices of M, read from the workbook, recorded in 通知记录

WeasyPrint is a bench extra (`pip install -e '.[bench]'`), not a dependency of propcli; it runs once (it
takes about a minute), propcli's figures are medians of --runs runs. Targets: HTML ≤ 1 s, PDF ≤ 10 s and
≤ 500 MB for 1,000 notices; the month of M ≤ 30 s. The PDF's memory is that of the rendering process plus
each PDF worker at its peak (the workers are compiling buildings side by side: their peaks are added).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PERIOD = "2025-12"  # the M estate's last month (estates.LAST_PERIOD)


def prepare(estate: Path, n: int, folder: Path) -> tuple[Path, list[str]]:
    """The contexts of `n` one-page notices (no earlier arrears, at most four bills), pickled for the stages."""
    from propcli.ops import notices
    from propcli.store.workbook import Workbook

    with Workbook(estate) as wb:
        batch = notices.payment(wb, PERIOD, dt.date(2026, 1, 1), notices.Scope(), wb.settings(), "TZ20260101-01")
    chosen = [x for x in batch.notices if not x.earlier and len(x.lines) <= 4][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} one-page notices in {estate.name}")
    path = folder / "contexts.pickle"
    path.write_bytes(pickle.dumps(chosen))
    (folder / "units.txt").write_text(",".join(x.unit_id for x in chosen), encoding="utf-8")
    return path, [x.unit_id for x in chosen]


def stage(name: str, contexts: Path, out: Path) -> float:
    """One stage in this process: seconds spent rendering (printed for the parent)."""
    from propcli.render import notices as render

    chosen = pickle.loads(contexts.read_bytes())
    start = time.perf_counter()
    options = {"batch": "TZ20260101-01", "estate": chosen[0].estate}
    if name == "html":
        (html,), _ = render.pack("payment", "缴费通知单", chosen, target="html", **options)
        out.write_text(html, encoding="utf-8")
    elif name == "pdf":  # a building at a time on both cores, then joined (as the command does)
        sources, _ = render.pack("payment", "缴费通知单", chosen, target="typ", **options)
        data, _ = render.join(render.pdfs(sources))
        out.write_bytes(data)
    else:  # WeasyPrint on the HTML pack the html stage wrote
        import weasyprint

        start = time.perf_counter()
        weasyprint.HTML(filename=str(out.with_suffix(".html"))).write_pdf(str(out))
    return time.perf_counter() - start


def _stage_run(name: str, contexts: Path, out: Path) -> tuple[float, int]:
    """(render seconds, peak MiB) of a stage in a new process (the stage prints both)."""
    proc = subprocess.Popen([sys.executable, __file__, "--stage", name, str(contexts), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"stage {name} failed: {stderr.decode(errors='replace')[-2000:]}")
    seconds, peak = stdout.split()[-2:]
    return float(seconds), int(peak)


def run(n: int, runs: int, log) -> list[tuple[str, tuple[float, int] | None, str]]:  # type: ignore[no-untyped-def]
    """Every figure of the notices bench: (what, (seconds, MiB), note)."""
    from bench import run as bench_run

    src = bench_run.estate("M", log)
    measure = bench_run.measure
    work = bench_run.OUT / "work-notices"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log(f"notices: preparing {n} one-page payment notices of {PERIOD} …")
    # in a process of its own: a child's peak RSS starts from its parent's, which must stay small
    subprocess.run([sys.executable, __file__, "--prepare", str(src), str(n), str(work)], check=True)
    contexts, units = work / "contexts.pickle", (work / "units.txt").read_text(encoding="utf-8").split(",")
    rows: list[tuple[str, tuple[float, int] | None, str]] = []
    out = work / "pack.pdf"
    for name, label in (("html", f"{n} notices → HTML (render)"), ("pdf", f"{n} notices → PDF, Typst (render)"),
                        ("weasy", f"{n} notices → PDF, WeasyPrint (same HTML)")):
        times, peaks = [], []
        for _ in range(1 if name == "weasy" else runs):
            target = out.with_suffix(".html") if name == "html" else (work / "weasy.pdf" if name == "weasy" else out)
            if name == "weasy":
                shutil.copyfile(out.with_suffix(".html"), target.with_suffix(".html"))
            t, m = _stage_run(name, contexts, target)
            times.append(t)
            peaks.append(m)
        times.sort()
        rows.append((label, (times[len(times) // 2], max(peaks)), "1 run" if name == "weasy" else ""))
        log(f"  {label}: {times[len(times) // 2]:.2f} s, {max(peaks)} MiB")
    wb = work / "estate.xlsx"

    def fresh() -> None:
        shutil.copyfile(src, wb)
        shutil.rmtree(work / ".propcli", ignore_errors=True)

    propcli = [sys.executable, "-m", "propcli", "-q", "-w", str(wb), "notices", "render", "payment", "--period", PERIOD,
               "--as-of", "2026-01-01"]
    some = ["--units", ",".join(units)]
    for label, args in ((f"notices render payment ({n}) -o .html", [*some, "-o", str(work / "n.html")]),
                        (f"notices render payment ({n}) -o .pdf", [*some, "-o", str(work / "n.pdf")]),
                        ("notices render payment (M month) -o .pdf", ["-o", str(work / "month.pdf")])):
        t, m = measure([*propcli, *args], work, runs, before=fresh)
        rows.append((label, (t, m), "whole command: read, render, record"))
        log(f"  {label}: {t:.2f} s, {m} MiB")
    return rows


def report(rows, n: int) -> None:  # type: ignore[no-untyped-def]
    print(f"\nnotices ({n} one-page 缴费通知单; M month = every notice of {PERIOD}):")
    print(f"  {'what':<46}{'s':>8}{'MiB':>7}  note")
    for label, fig, note in rows:
        print(f"  {label:<46}{fig[0]:>8.2f}{fig[1]:>7}  {note}" if fig else f"  {label:<46}{'—':>8}")
    figs = {label: fig for label, fig, _ in rows if fig}
    html = figs.get(f"{n} notices → HTML (render)")
    pdf = figs.get(f"{n} notices → PDF, Typst (render)")
    weasy = figs.get(f"{n} notices → PDF, WeasyPrint (same HTML)")
    month = figs.get("notices render payment (M month) -o .pdf")
    checks = [("HTML ≤ 1 s", html and html[0] <= 1), ("PDF ≤ 10 s", pdf and pdf[0] <= 10),
              ("PDF peak ≤ 500 MB", pdf and pdf[1] <= 500), ("M month ≤ 30 s", month and month[0] <= 30)]
    for label, ok in checks:
        print(f"  {'✓' if ok else '✗'} {label}")
    if pdf and weasy:
        print(f"  Typst is {weasy[0] / pdf[0]:.0f}× faster than WeasyPrint on the same notices "
              f"({weasy[1]} MiB against {pdf[1]} MiB)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        prepare(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--stage":
        import resource

        from propcli.render.notices import WORKER_PEAK_MIB

        seconds = stage(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        # the PDF workers run beside this process (two on two cores): count them as all at their peak at once
        workers = min(os.cpu_count() or 1, 4) if WORKER_PEAK_MIB[0] else 0
        print(f"{seconds:.4f} {own + workers * WORKER_PEAK_MIB[0]}")
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notices", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT, help="where the estates are generated and the runs work")
    args = ap.parse_args()
    from bench import run as bench_run

    bench_run.OUT = args.out.resolve()  # where estate() finds (or makes) M
    rows = run(args.notices, max(1, args.runs), lambda msg: print(msg, file=sys.stderr, flush=True))
    report(rows, args.notices)


if __name__ == "__main__":
    main()
