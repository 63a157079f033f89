"""Bench lines of issue 16: a property group on PostgreSQL — 100 estates (about 10 million bills) published
one after another into a throwaway server (tests/pgserver.py, durable: fsync on), then publish of the M
estate timed (first publish of a name, and again — the nightly case) and the peak memory of publishing L.

    python bench/group.py [--runs 3] [--cache DIR] [--estates 100] [--mix L:3,M:18,S:79]
    python bench/group.py --copies 42 --no-l      # M published once, then copied in SQL under 41 more names
    python bench/group.py --keep DIR [--queries]  # the server in DIR, kept: filled the first time only;
                                                  # --queries: time only the group figures on it

The estates are the generated S/M/L workbooks (bench/estates.py: 20,000 / 240,000 / 1,580,000 bills),
published under many names with --estate: 3 L + 18 M + 79 S ≈ 10.6 million bills. `--cache` is a folder
already holding estate-S/M/L.xlsx (else they are generated into bench/out). Each timed line is a new
`propcli publish` process (median of --runs, peak RSS), the read cache removed first ("cold": the night
after the clerk saved the workbook in Excel) or kept ("warm").
Targets: publish M ≤ 5 s — the same workbook again (cold, warm) and the nightly publish after a day's
payments (five households paying old bills: 应收账单, 收款记录 and their derived tables then differ from
what the estate holds in a few blocks, which the server is sent and merges; the same workbook again needs
no block sent at all); peak memory publishing L ≤ 500 MB.

Then the group figures over every estate, each a new `propcli group …` process writing JSON: `group stats`
of the last month billed (2025-12) as of 2026-01-20 and `group arrears` that day — targets ≤ 3 s each —
and both half a year back (2025-06 as of 2025-07-20), where every payment of the half year since is one a
past day sees differently. `--copies N` fills the database faster for these lines: M published once, then
its rows copied under N − 1 more names in SQL (same data, as many bills as N publishes of M).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BILLS = {"S": 19_812, "M": 238_872, "L": 1_580_000}  # about: what bench/estates.py generates
DAY = "publish M (cold, after a day's payments)"
TARGETS = [("publish M (cold)", 5.0, "s"), ("publish M (warm, again)", 5.0, "s"), (DAY, 5.0, "s"),
           ("publish L (cold)", 500, "MiB"), ("group stats 2025-12", 3.0, "s"), ("group arrears 2026-01-20", 3.0, "s")]
# (line, arguments): the figures head office asks of every estate (bench/estates.py: data end 2025-12)
QUERIES = [("group stats 2025-12", ("group", "stats", "--period", "2025-12", "--as-of", "2026-01-20")),
           ("group arrears 2026-01-20", ("group", "arrears", "--as-of", "2026-01-20")),
           ("group stats 2025-06 (half a year back)", ("group", "stats", "--period", "2025-06", "--as-of", "2025-07-20")),
           ("group arrears 2025-07-20 (half a year back)", ("group", "arrears", "--as-of", "2025-07-20"))]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def workbooks(cache: Path | None, sizes: set[str], work: Path) -> dict[str, Path]:
    """A private copy of each size's workbook (its read cache is the bench's own, beside it)."""
    from bench.run import estate

    out = {}
    for size in sorted(sizes):
        src = cache / f"estate-{size}.xlsx" if cache else None
        if src is None or not src.exists():
            src = estate(size, log)
        folder = work / size
        folder.mkdir(parents=True, exist_ok=True)
        dst = folder / "estate.xlsx"
        if not dst.exists() or dst.stat().st_size != src.stat().st_size:
            shutil.copyfile(src, dst)
        out[size] = dst
    return out


def populate(server, url: str, books: dict[str, Path], mix: list[tuple[str, int]]) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """Publish the mix, one estate after another, in this process; returns (estates, bills, seconds)."""
    from propcli.db import config, publish
    from propcli.store.workbook import Workbook

    target = config.Target(url, "bench")
    n = bills = 0
    t0 = time.perf_counter()
    for size, count in mix:
        for i in range(count):
            name = f"{size}{i + 1:03d}"
            t = time.perf_counter()
            with Workbook(books[size]) as wb:
                done = publish.publish(wb, target, name)
            n += 1
            bills += done.tallies["bills"].rows
            if i == 0 or (i + 1) % 10 == 0:
                log(f"  {name}: {done.tallies['bills'].rows:,} bills in {time.perf_counter() - t:.1f} s "
                    f"({n} estates, {bills:,} bills so far)")
    return n, bills, time.perf_counter() - t0


def copies(url: str, book: Path, n: int) -> tuple[int, int, float]:
    """M published once as M001, then its rows copied in SQL under M002 … (every table a query reads)."""
    import psycopg

    from propcli.db import config, publish, tables
    from propcli.store.workbook import Workbook

    t0 = time.perf_counter()
    with Workbook(book) as wb:
        publish.publish(wb, config.Target(url, "bench"), "M001")
    with psycopg.connect(url, autocommit=True) as conn:
        for name in (tables.BILL_FACTS.name, tables.PAYMENT_PARTS.name, tables.SETTINGS.name,
                     *(t.name for t in tables.SUMS)):
            cols = ", ".join(f'"{c}"' for c in tables.by_name()[name].names[1:])
            conn.execute(f"insert into {tables.SCHEMA}.{name} (estate, {cols}) select 'M' || lpad(g::text, 3, '0'), "
                         f"{cols} from {tables.SCHEMA}.{name}, generate_series(2, %s) g where estate = 'M001'", (n,))
        conn.execute(f"insert into {tables.SCHEMA}.estates select 'M' || lpad(g::text, 3, '0'), workbook, "
                     f"workbook_key || g, published_at, rows from {tables.SCHEMA}.estates, generate_series(2, %s) g "
                     f"where estate = 'M001'", (n,))
        conn.execute("vacuum analyze")  # what autovacuum does after a night of publishing
        bills = conn.execute(f"select count(*) from {tables.SCHEMA}.bill_facts").fetchone()[0]
    return n, bills, time.perf_counter() - t0


def day_of_payments(target, book: Path, work: Path, propcli: list[str], runs: int):  # type: ignore[no-untyped-def]
    """A copy of M (the same workbook to publish: its name and creation time) and what comes before each
    run of the nightly publish after a day at the counter: a payment taken (`payments record`) from each of
    a few households in arrears — their oldest bills paid, 收款记录 one row longer — and the read cache
    gone. 应收账单, 收款记录 and their derived tables then differ from what the estate holds."""
    from propcli.db import session

    day = work / "M-day" / "estate.xlsx"
    shutil.rmtree(day.parent, ignore_errors=True)
    day.parent.mkdir(parents=True)
    shutil.copyfile(book, day)
    with session.connect(target) as conn:  # households owing the most bills
        owing = [u for (u,) in conn.execute(
            "select unit_id from propcli.bills where estate = 'bench-M' and coalesce(paid, 0) < amount "
            "group by unit_id order by count(*) desc, unit_id limit %s", (5 * runs,)).fetchall()]

    def a_day() -> None:
        for _ in range(5):
            subprocess.run([*propcli, "-w", str(day), "payments", "record", owing.pop(), "--amount", "300",
                            "--date", "2026-01-10"], check=True, capture_output=True)
        shutil.rmtree(day.parent / ".propcli" / "cache", ignore_errors=True)
    return day, a_day


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None, help="a folder holding estate-S/M/L.xlsx")
    ap.add_argument("--mix", default="L:3,M:18,S:79", help="how many estates of each size")
    ap.add_argument("--no-l", action="store_true", help="skip the L line (its memory)")
    ap.add_argument("--copies", type=int, default=0, help="instead of --mix: M published once and copied in SQL")
    ap.add_argument("--keep", type=Path, default=None,
                    help="the server's folder, kept: filled on the first run, reused as it is by the next ones")
    ap.add_argument("--queries", action="store_true", help="only the group figures (no publish lines)")
    args = ap.parse_args()
    mix = [(p.split(":")[0].upper(), int(p.split(":")[1])) for p in args.mix.split(",") if p]
    from bench.run import OUT
    from tests import pgserver

    work = OUT / "group"
    sizes = set() if args.copies else {s for s, _ in mix}
    books = workbooks(args.cache, sizes | {"M"} | (set() if args.no_l else {"L"}), work)
    filled = args.keep is not None and (args.keep / "filled").exists()
    server = pgserver.start(fast=False, keep=args.keep)
    try:
        url = server.url("bench") if filled else server.create_database("bench")
        import bench.run

        for env in (os.environ, bench.run.ENV):  # the propcli processes the lines time find the server
            env.update({**server.env(), "PROPCLI_DB": url})
        from propcli.db import config, session

        target = config.Target(url, "bench")
        with session.connect(target) as conn:
            session.upgrade(conn, target)
        results: list[tuple[str, tuple[float, int]]] = []
        if filled:
            log(f"the database in {args.keep} is filled already: its estates as they are")
        elif args.copies:
            log(f"publishing M and copying it {args.copies - 1} times into {target.shown} …")
            n, bills, seconds = copies(url, books["M"], args.copies)
            results = [(f"publish M, copy it to {n} estates ({bills:,} bills)", (seconds, 0))]
        else:
            log(f"publishing {sum(c for _, c in mix)} estates ({args.mix}) into {target.shown} …")
            n, bills, seconds = populate(server, url, books, mix)
            results = [(f"publish {n} estates, one after another ({bills:,} bills)", (seconds, 0))]
        if args.keep is not None and not filled:
            (args.keep / "filled").write_text(args.mix if not args.copies else f"copies {args.copies}")
        propcli = [sys.executable, "-m", "propcli", "-q"]

        def timed(cmd: list[str], runs: int, before=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
            """Median seconds and peak MiB, each run a new process (bench.run's wrapper)."""
            return bench.run.measure(cmd, work, runs, before=before, warmup=False)

        def cold(size: str):  # type: ignore[no-untyped-def]
            return lambda: shutil.rmtree(books[size].parent / ".propcli" / "cache", ignore_errors=True)

        m = [*propcli, "-w", str(books["M"]), "publish"]
        if not args.queries:
            results.append(("publish M (cold)", timed([*m, "--estate", "bench-M"], args.runs, cold("M"))))
            results.append(("publish M (warm, again)", timed([*m, "--estate", "bench-M"], args.runs)))
            day, a_day = day_of_payments(target, books["M"], work, propcli, args.runs)
            results.append((DAY, timed([*propcli, "-w", str(day), "publish", "--estate", "bench-M"], args.runs, a_day)))
            subprocess.run([*m, "--estate", "bench-M"], check=True)  # the estate as the other lines know it
        if not args.no_l and not args.queries:
            big = [*propcli, "-w", str(books["L"]), "publish", "--estate", "bench-L"]
            results.append(("publish L (cold)", timed(big, 1, cold("L"))))
        with session.connect(target) as conn:
            estates, total = conn.execute("select count(*), sum((rows -> 'bills' ->> 'rows')::bigint) "
                                          "from propcli.estates").fetchone()
            size = conn.execute("select pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        for task, asked in QUERIES:  # the group figures over every estate
            results.append((task, timed([*propcli, *asked, "-o", str(work / f"{task.split()[1]}.json")], args.runs)))
        table = subprocess.run([*propcli, *QUERIES[0][1]], capture_output=True, text=True,  # what head office sees
                               env={**os.environ, "COLUMNS": "120"}).stdout.splitlines()
    finally:
        server.stop()
    print(f"{'line':<62}{'s':>9}{'MiB':>7}")
    for task, (s, mib) in results:
        print(f"{task:<62}{s:>9.2f}{mib or '':>7}")
    print(f"\nthe database: {estates} estates, {total:,} bills, {size}")
    print(f"\n$ propcli {' '.join(QUERIES[0][1])}   (the first lines)")
    print("\n".join(table[:14]))
    print("\ntargets (issue 16):")
    got = dict(results)
    for task, limit, unit in TARGETS:
        if task in got:
            value = got[task][0] if unit == "s" else got[task][1]
            print(f"  {'✓' if value <= limit else '✗'} {task:<30} ≤ {limit} {unit}: {value:.2f} {unit}")


if __name__ == "__main__":
    main()
