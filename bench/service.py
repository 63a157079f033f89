"""Bench lines of issue 11: work orders and complaints on a bench estate with a year of them added.

    python bench/service.py [--size M] [--runs 3]      (also run by bench/run.py, after each estate)

A year of work orders (about one per unit, as in the sample: sample_data/generate.py make_service) and
complaints is appended to a copy of the estate through propcli's own writer, then timed, each command in
a new process (median of --runs): `workorders due` and `complaints list --overdue`, cold (no read cache)
and warm; `workorders open`, `done`, `visit` on a warm workbook, each from the same copy; and
`owners show` on the estate with its work orders, to compare with the line run.py gives without them.
Targets: due/list ≤ 1 s warm and ≤ 2 s cold, open/done/visit ≤ 1 s.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = "2026-11-23"
TARGETS = [("workorders due (warm)", 1.0), ("workorders due (cold)", 2.0), ("complaints list --overdue (warm)", 1.0),
           ("complaints list --overdue (cold)", 2.0), ("workorders open", 1.0), ("workorders done", 1.0),
           ("workorders visit", 1.0)]


def add_service(path: Path, seed: int = 11) -> tuple[int, int, dict[str, str]]:
    """Append a year of work orders and complaints to the workbook at `path` (one commit); returns their
    counts and an order number in each state the write commands need."""
    from sample_data.generate import make_service
    from propcli.store import schema
    from propcli.store.workbook import Workbook

    with Workbook(path, write=True) as wb:
        cols = wb.columns(schema.OWNERS, ("unit_id", "owner_name", "phone"))
        units = [SimpleNamespace(unit_id=u, owner_name=n, phone=p)
                 for u, n, p in zip(cols["unit_id"], cols["owner_name"], cols["phone"]) if u]
        orders, complaints, _ = make_service(random.Random(seed), units, [])  # type: ignore[arg-type]
        for o in orders:  # paid repairs are billed by the commands; the bench times the lists
            o.pop("bill_id", None), o.pop("charge", None), o.pop("paid", None)
        wb.append(wb.read(schema.WORK_ORDERS, required=False), orders, journal=False)
        wb.append(wb.read(schema.COMPLAINTS, required=False), complaints, journal=False)
        wb.log(schema.WORK_ORDERS.zh, "", "", f"bench: {len(orders)} work orders, {len(complaints)} complaints")
        wb.commit("bench service rows")
    picks = {"doing": next(str(o["order_no"]) for o in reversed(orders) if o.get("assigned_at") and not o.get("done_at")),
             "done": next(str(o["order_no"]) for o in reversed(orders) if o.get("done_at") and not o.get("visited_at")
                          and o["category"] != "渗漏")}
    return len(orders), len(complaints), picks


def bench(size: str, src: Path, work: Path, runs: int, log, results: list) -> None:  # type: ignore[no-untyped-def]
    """Time the lines on a copy of `src` in `work`; append (size, command, (s, MiB), None) to results."""
    from bench.run import measure, run

    work.mkdir(parents=True, exist_ok=True)
    base, wb, state = work / "service-base.xlsx", work / "estate.xlsx", work / ".propcli"
    propcli = [sys.executable, "-m", "propcli", "-q", "-w", str(wb)]
    from propcli.store import schema
    from propcli.store.workbook import Workbook

    with Workbook(src) as w:
        unit = next(u for u in w.columns(schema.OWNERS, ("unit_id",))["unit_id"] if u)
    show = [*propcli, "owners", "show", unit]
    shutil.copyfile(src, wb)  # the same unit's dossier before the year of work orders, for comparison
    shutil.rmtree(state, ignore_errors=True)
    run([*propcli, "check"], work)  # every register read once: the warm cache the clerk's workbook has
    results.append((size, "owners show UNIT (warm, without work orders)", measure(show, work, runs), None))
    shutil.copyfile(src, base)
    n_orders, n_complaints, picks = add_service(base)
    log(f"{size}: + {n_orders:,} work orders, {n_complaints:,} complaints")
    shutil.copyfile(base, wb)
    shutil.rmtree(state, ignore_errors=True)
    run([*propcli, "check"], work)  # every register read once, the new rows included: the clerk's warm cache
    warm = work / "service-cache"
    shutil.rmtree(warm, ignore_errors=True)
    shutil.copytree(state / "cache", warm)

    def no_cache() -> None:
        shutil.rmtree(state / "cache", ignore_errors=True)

    def fresh() -> None:
        shutil.copyfile(base, wb)
        shutil.rmtree(state, ignore_errors=True)
        shutil.copytree(warm, state / "cache")

    due = [*propcli, "workorders", "due", "--as-of", AS_OF, "-f", "csv"]
    overdue = [*propcli, "complaints", "list", "--overdue", "--as-of", AS_OF, "-f", "csv"]
    for name, cmd in (("workorders due", due), ("complaints list --overdue", overdue)):
        results.append((size, f"{name} (cold)", measure(cmd, work, runs, before=no_cache), None))
        fresh()
        results.append((size, f"{name} (warm)", measure(cmd, work, runs), None))
    writes = {
        "workorders open": [*propcli, "workorders", "open", unit, "--content", "厨房水龙头漏水", "--category", "水电",
                            "--at", f"{AS_OF} 09:30"],
        "workorders done": [*propcli, "workorders", "done", picks["doing"], "--at", f"{AS_OF} 10:00"],
        "workorders visit": [*propcli, "workorders", "visit", picks["done"], "--result", "满意", "--at", f"{AS_OF} 11:00"],
    }
    for name, cmd in writes.items():
        results.append((size, name, measure(cmd, work, runs, before=fresh), None))
    fresh()
    results.append((size, "owners show UNIT (warm, with work orders)", measure(show, work, runs), None))


def main() -> None:
    command_line(__doc__, bench, "service", report)


def command_line(doc: str | None, bench_fn, folder: str, report_fn) -> None:  # type: ignore[no-untyped-def]
    """`python bench/X.py [--size M] [--runs 3]`: one estate, its lines timed into `bench/out/FOLDER-SIZE`."""
    from bench.run import OUT, estate

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="M")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: list = []
    size = args.size.upper()
    bench_fn(size, estate(size, log), OUT / f"{folder}-{size}", max(1, args.runs), log, results)
    report_fn(results)


def report(results: list, targets: dict[str, list] | None = None, issue: str = "11") -> None:
    """The lines, then each size's targets (`targets` by size; by default issue 11's, for every size)."""
    print(f"{'size':<5}{'command':<46}{'propcli s':>10}{'MiB':>6}")
    for size, task, mine, _ in results:
        print(f"{size:<5}{task:<46}{mine[0]:>10.2f}{mine[1]:>6}")
    for size in dict.fromkeys(r[0] for r in results):
        mine = {task: m for s, task, m, _ in results if s == size}
        limits = TARGETS if targets is None else targets.get(size, [])
        if not limits:
            continue
        print(f"\ntargets on {size} (issue {issue}):")
        for task, limit in limits:
            if task in mine:
                print(f"  {'✓' if mine[task][0] <= limit else '✗'} {task:<40} ≤ {limit:.0f} s: {mine[task][0]:.2f} s")

if __name__ == "__main__":
    main()
