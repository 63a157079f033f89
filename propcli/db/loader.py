"""The database side of a publish, on a thread of its own: while the main thread reads the next register
from the workbook and builds its COPY text (Python, holding the GIL), this thread sends the text and waits
for the server to COPY and merge the previous one, and checks it (I/O: the GIL released), so that the two
cores work at once. The jobs run strictly in order on the publish's one connection, inside its one
transaction.

An estate's first publish by a role the row-level security does not hold (the tables' owner, the nightly
job) COPYs its rows straight into the tables: nothing to replace, one pass of the rows. Every other publish
COPYs a table's rows into a temporary table (no index, no WAL) and merges them into the estate's rows by
key: one hash join finds the rows that differ, and only those are deleted and inserted — a nightly publish
rewrites the bills paid that day, not 240,000 bills with their index entries and WAL (deleting them all and
COPYing them again cost the server three times as much: every new key met its deleted twin in the unique
index). And only the blocks that differ are sent: a table comes in blocks of rows (CHUNK), each row
numbered with its block (tables.BLOCK), and the SHA-256 of each block the estate's last publish sent is
kept with the estate's rows. A block whose text is the same, byte for byte, is the very rows the estate
holds under its number: it is not sent, and the merge reads and replaces only the rows of the blocks sent
(and of blocks past the new last one). The registers a day left alone (owners, meter readings, work orders
…) cost the server nothing but their reconciliation, and a day's payments the few blocks of bills they
paid and the last of the payments — not a COPY, not a join of every row. A clerk's role,
held by row-level security, cannot COPY into the tables: it always merges, the INSERT and DELETE being what
the policies judge.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
from psycopg.copy import LibpqWriter

from . import tables

if TYPE_CHECKING:
    from .facts import Fill

# what a publish sent of a table: the SHA-256 of each block of its COPY text (`_block_digest`), in order
Sent = list[str]
TEMP = "pg_temp"  # the session's own schema: the rows of one table before the merge
# the COPY text waiting for the thread at most: the memory of the pipeline is bounded, and the main thread
# reads and formats the next registers while the server merges the last ones (bills, bill_facts and
# payment_parts are ~0.5-0.8 s each for M): a bound in jobs had it wait on a merge behind a few small jobs
AHEAD = 48 << 20
CHANGES = f"{TEMP}.publish_changes"  # the rows of one table that differ: new ones to insert, old ones to delete
# the memory of the server's hash joins and sums for this transaction (PostgreSQL's default 4 MB would spill
# an M estate's 240,000 rows to disk in batches): the hash of a table's rows fits, for an L estate too
WORK_MEM = "256MB"


class Loader:
    """Jobs for the connection: `begin(table)`, `send(block)` …, `end()` per table, then `close()`, which
    waits for the last and raises what failed on the thread (a failure stops the jobs after it). Each
    `send` is one block of the table's COPY text, its rows numbered with it (tables.BLOCK). `first`: the
    estate has no rows yet (its first publish). `fills`: the derived tables' fills (`facts.Fill`), whose
    source's changed keys a merge keeps for them."""

    def __init__(self, conn: psycopg.Connection, estate: str, *, first: bool = False,
                 periods: dict[str, str] | None = None, sent: dict[str, Sent] | None = None,
                 fills: tuple[Fill, ...] = ()) -> None:
        self.conn = conn
        self.estate = estate
        self.direct = first and _unpoliced(conn)
        self.periods = periods or {}  # table → its 账期 column, for the tables summed by 账期
        # per such table merged: the 账期 of the rows it changed (and whether one had none); absent: all
        self.changed: dict[str, tuple[list[str], bool]] = {}
        self.sent = sent or {}  # table → the digests of the blocks of the estate's last publish
        self.blocks: dict[str, list[str]] = {}  # table → the digests of the blocks of this publish
        self.keyed = {f.source: f.key for f in fills}  # table → the key of its changed rows kept (`_keys`)
        self.kept: set[str] = set()  # the tables merged whose changed keys are kept
        conn.execute(f"set local work_mem = '{WORK_MEM}'")
        # compiling a merge's or a sum's expressions (the planner's cost of an M estate's 240,000 rows is
        # above jit_above_cost) took ~40 ms a statement, more than the statements it sped up
        conn.execute("set local jit = off")
        self.error: BaseException | None = None
        self._jobs: queue.Queue = queue.Queue()
        self._room = threading.Condition()
        self._pending = 0  # bytes of COPY text queued, not yet written
        self._thread = threading.Thread(target=self._run, name="propcli-publish", daemon=True)
        self._thread.start()

    def _put(self, job: tuple) -> None:
        if self.error is not None:
            self.close()  # raises it
        self._jobs.put(job)

    def begin(self, table: tables.Table, fill: Fill | None = None) -> None:
        """`fill`: columns the server sets on the rows COPYed from a table loaded before (`facts.Fill`)."""
        self._put(("begin", table, fill))

    def send(self, block: bytes) -> None:
        with self._room:  # one block always goes, however big
            self._room.wait_for(lambda: self._pending == 0 or self._pending + len(block) <= AHEAD
                                or self.error is not None)
            self._pending += len(block)
        self._put(("data", block))

    def end(self) -> None:
        self._put(("end",))

    def refill(self, table: tables.Table, source: str, select: str) -> None:
        """The estate's rows of `table` made again by `select` from the table `source` (`%(estate)s` in it,
        the table's columns in order), after the jobs before it: the server sums one table while the next
        is read. Only the 账期 whose rows of `source` changed when it was merged (`{only}` in `select`: the
        condition on its rows), all when it was COPYed straight in."""
        self._put(("refill", table, source, select))

    def call(self, job: Callable[[psycopg.Connection], None]) -> None:
        """`job(conn)` on the thread after the jobs before it (a table's reconciliation, once it is merged)."""
        self._put(("call", job))

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        table: tables.Table | None = None
        fill: Fill | None = None
        cur = copy = writing = None  # copy: cursor.copy()'s context; writing: the Copy it opened
        last: Sent | None = None  # the blocks the last publish sent of the table (None: not known, all differ)
        blocks: list[str] = []
        resent: list[int] = []  # the blocks sent (numbered from 1)
        while (job := self._jobs.get()) is not None:
            if self.error is not None:
                continue  # drained: the main thread stops at its next job
            try:
                if job[0] == "begin":
                    table, fill = job[1], job[2]
                    last = self.sent.get(table.name)
                    blocks, resent = [], []
                elif job[0] == "refill":
                    self._refill(*job[1:])
                elif job[0] == "call":
                    job[1](self.conn)
                elif job[0] == "data":
                    assert table is not None
                    blocks.append(_block_digest(table, job[1]))  # the GIL let go of while it hashes
                    n = len(blocks)
                    if last is None or n > len(last) or last[n - 1] != blocks[-1]:
                        # a block the last publish did not send: sent as it comes (the server COPYs 应收账单
                        # while its text is made)
                        if copy is None:
                            cur, copy, writing = self._copy(table, fill)
                        writing.write(job[1])  # type: ignore[union-attr]
                        resent.append(n)
                    self._written(len(job[1]))
                else:
                    assert table is not None
                    self.blocks[table.name] = blocks
                    if copy is None and last is not None and len(blocks) == len(last):
                        # every block the very text the last publish sent: the very rows the table holds
                        self._unchanged(table)
                        if fill is not None:
                            self._refresh(table, fill, resent)
                        continue
                    if copy is None:  # blocks gone from the end, or none ever: their rows go
                        cur, copy, writing = self._copy(table, fill)
                    assert cur is not None
                    copy.__exit__(None, None, None)
                    copy = None
                    cur.close()
                    if fill is not None:
                        self.conn.execute(fill.sql.replace("{rows}", _temp(table)), {"estate": self.estate})
                    if self.direct and fill is not None:
                        self.conn.execute(f"insert into {table.qualified} ({_cols(table.names)}) "
                                          f"select {_cols(table.names)} from {_temp(table)}")
                        self.conn.execute(f"drop table {_temp(table)}")
                    elif not self.direct:
                        only = None if last is None else (resent, len(blocks))
                        keep = self.keyed.get(table.name)
                        changed = merge(self.conn, table, self.estate, self.periods.get(table.name), only, keep)
                        if keep is not None:
                            self.kept.add(table.name)
                        if changed is not None:
                            self.changed[table.name] = changed
                        if fill is not None and last is not None:
                            self._refresh(table, fill, resent)
            except BaseException as exc:  # handed to the main thread
                self.error = exc
                self._written(0)
                if copy is not None:
                    try:
                        copy.__exit__(type(exc), exc, exc.__traceback__)
                    except BaseException:
                        pass
                    copy = None
        if copy is not None:  # the main thread stopped in the middle of a table: the COPY is abandoned
            try:
                copy.__exit__(RuntimeError, RuntimeError("publish stopped"), None)
            except BaseException:
                pass

    def _unchanged(self, table: tables.Table) -> None:
        if table.name in self.periods:
            self.changed[table.name] = ([], False)  # no 账期 to sum again

    def _refresh(self, table: tables.Table, fill: Fill, resent: list[int]) -> None:
        """The fill made again on the estate's rows this publish did not send (their blocks unchanged) that
        name a row of the source its merge changed (`_keys`): a bill paid that day has the parts of it
        paid earlier carry its new 已收. The 账期 of the rows changed, before and after, are added to those
        the merge changed (`changed`: the sums of them are made again)."""
        if fill.source not in self.kept:
            return
        q, keys, src = table.qualified, _keys(fill.source), tuple(s for _, s in fill.columns)
        sets = ", ".join(f'"{c}" = t."{s}"' for c, s in fill.columns)
        period = self.periods.get(table.name)
        was = f'p."{period}"' if period else "null"
        # the rows to set, their 账期 before; the update; the 账期 before and after of the rows it set
        row = self.conn.execute(
            f'with t as (select p.ctid as tid, {was} as was, {_cols(src, "b.")} from {q} p '
            f'join {keys} k on p."{fill.on}" = k.key left join {tables.SCHEMA}.{fill.source} b '
            f'on b.estate = %(estate)s and b."{fill.key}" = k.key where p.estate = %(estate)s '
            f'and p."{tables.BLOCK}" <> all(%(resent)s) and row({_cols(fill.filled, "p.")}) is distinct from '
            f'row({_cols(src, "b.")})), '
            f'u as (update {q} p set {sets} from t where p.ctid = t.tid and p.estate = %(estate)s '
            f'returning t.was, {was} as now) '
            f'select array_agg(distinct v) filter (where v is not null), coalesce(bool_or(v is null), false), '
            f'count(*) from (select was as v from u union all select now from u) c',
            {"estate": self.estate, "resent": resent}).fetchone()
        assert row is not None
        if period and row[2]:
            periods, nulls = self.changed.get(table.name, ([], False))
            self.changed[table.name] = (sorted({*periods, *(row[0] or ())}), nulls or bool(row[1]))

    def _copy(self, table: tables.Table, fill: Fill | None):  # type: ignore[no-untyped-def]
        """A COPY of the table's rows opened: straight into the table (the estate's old rows deleted) on a
        first publish by an unpoliced role, else into a temporary table for `merge` (or the server's fill)."""
        cur = self.conn.cursor()
        if self.direct:
            self.conn.execute(f"delete from {table.qualified} where estate = %s", (self.estate,))
        if not self.direct or fill is not None:
            self.conn.execute(f"create temporary table if not exists {_temp(table)} "
                              f"(like {table.qualified}) on commit drop")
        into = table.qualified if self.direct and fill is None else _temp(table)
        # written as it is sent (this thread is the one that waits on the server): psycopg's queued writer
        # held up to 128 MB more of COPY text, past AHEAD's bound (L: ~130 MB)
        copy = cur.copy(f"copy {into} ({_cols(table.names)}) from stdin", writer=LibpqWriter(cur))
        return cur, copy, copy.__enter__()

    def _written(self, n: int) -> None:
        with self._room:
            self._pending -= n
            self._room.notify_all()

    def _refill(self, summed: tables.Table, source: str, select: str) -> None:
        args: dict[str, object] = {"estate": self.estate}
        only = ""
        if source in self.changed:
            args["periods"], args["nulls"] = self.changed[source]
            if not args["periods"] and not args["nulls"]:
                return  # no row of the source changed: its sums stand
            col = self.periods[source]
            only = f'and ("{col}" = any(%(periods)s) or ("{col}" is null and %(nulls)s))'
        self.conn.execute(f"delete from {summed.qualified} where estate = %(estate)s {only}", args)
        self.conn.execute(f"insert into {summed.qualified} ({_cols(summed.names)}) {select.replace('{only}', only)}",
                          args)


def _unpoliced(conn: psycopg.Connection) -> bool:
    """Whether the row-level security leaves this role alone (it owns the tables, or is a superuser or
    BYPASSRLS role): then it may COPY into them."""
    row = conn.execute("select r.rolsuper or r.rolbypassrls or c.relowner = r.oid from pg_roles r, pg_class c "
                       "where r.rolname = current_user and c.oid = %s::regclass and not c.relforcerowsecurity",
                       (tables.REGISTERS[0].qualified,)).fetchone()
    return bool(row and row[0])


def _block_digest(table: tables.Table, block: bytes) -> str:
    """A block of a table's COPY text as its digest is kept: of its columns (a migration that changes them
    changes it), then the text."""
    digest = hashlib.sha256(("\t".join(table.names) + "\n").encode())
    digest.update(block)
    return digest.hexdigest()


def _temp(table: tables.Table) -> str:
    return f"{TEMP}.publish_{table.name}"


def _keys(table: str) -> str:
    """The keys of the rows of `table` its merge changed (`merge`'s `keep`)."""
    return f"{TEMP}.publish_changed_{table}"


def _cols(names: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f'{alias}"{c}"' for c in names)


def merge(conn: psycopg.Connection, table: tables.Table, estate: str, period: str | None = None,
          only: tuple[list[int], int] | None = None, keep: str | None = None) -> tuple[list[str], bool] | None:
    """The estate's rows of `table` made those of its temporary table: by key when the table has one (one
    hash join of the new rows with the old finds those that differ or are on one side only; only they are
    deleted and inserted), else all replaced. `only`: the blocks sent (the temporary table holds their
    rows) and how many the table has now — the estate's rows of those blocks, of blocks past the last and
    of none (published before blocks were kept) are the old rows; those of the other blocks stand. `period`:
    a column whose values among the rows changed (old and new) are returned, and whether one was null; None
    when all were replaced. `keep`: a key column whose values among the rows changed are kept in a temporary
    table (`_keys`) for the fill of another table (`Loader._refresh`)."""
    q, new, cols = table.qualified, _temp(table), _cols(table.names)
    old, args = "estate = %(estate)s", {"estate": estate}
    if only is not None:
        old += f' and ("{tables.BLOCK}" = any(%(blocks)s) or "{tables.BLOCK}" > %(n)s or "{tables.BLOCK}" is null)'
        args.update(blocks=only[0], n=only[1])
    changed = None
    if not table.primary:
        conn.execute(f"delete from {q} where {old}", args)
        conn.execute(f"insert into {q} ({cols}) select {cols} from {new}")
    else:
        on = " and ".join(f'n."{c}" = t."{c}"' for c in table.primary)
        rest = tuple(c for c in table.names[1:] if c not in table.primary)
        differ = f"row({_cols(rest, 'n.')}) is distinct from row({_cols(rest, 't.')})" if rest else "false"
        key = f'"{table.primary[0]}"'  # not null: null only on the side a row is missing from
        # a full join is a hash or merge join, never a loop over the estate's rows per row (whatever the
        # planner's statistics say of an estate published since they were made)
        conn.execute(f"create temporary table {CHANGES} (new_row tid, old_row tid) on commit drop")
        conn.execute(f"insert into {CHANGES} select n.ctid, t.tid from {new} n full join "
                     f"(select ctid as tid, * from {q} where {old}) t on {on} "
                     f"where n.{key} is null or t.{key} is null or {differ}", args)
        olds = f"select old_row from {CHANGES} where old_row is not null"
        news = f"select new_row from {CHANGES} where new_row is not null"
        if period is not None:
            row = conn.execute(f'select array_agg(distinct p) filter (where p is not null), '
                               f'coalesce(bool_or(p is null), false) from (select "{period}" as p from {q} '
                               f'where estate = %(estate)s and ctid = any(array({olds})) '
                               f'union all select "{period}" from {new} where ctid = any(array({news}))) c',
                               args).fetchone()
            assert row is not None
            changed = (list(row[0] or ()), bool(row[1]))
        if keep is not None:
            conn.execute(f"drop table if exists {_keys(table.name)}")
            conn.execute(f'create temporary table {_keys(table.name)} on commit drop as '
                         f'select "{keep}" as key from {q} where estate = %(estate)s and ctid = any(array({olds})) '
                         f'union select "{keep}" from {new} where ctid = any(array({news}))', args)
        conn.execute(f"delete from {q} where estate = %(estate)s and ctid = any(array({olds}))", args)
        conn.execute(f"insert into {q} ({cols}) select {cols} from {new} where ctid = any(array({news}))")
        conn.execute(f"drop table {CHANGES}")
    conn.execute(f"drop table {new}")
    return changed
