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
index). A table the estate's last publish sent has its COPY text kept in a temporary file as it comes, and
sent only once it differs from that publish's (their SHA-256, and of each block sent, kept with the
estate's rows) — from the first block that differs on, as it comes: a table whose text is the same, byte
for byte, holds these very rows, and the registers a day left alone (owners, meter readings, work orders
…) cost the server nothing but their reconciliation — not a COPY, not a join of every row. A clerk's role,
held by row-level security, cannot COPY into the tables: it always merges, the INSERT and DELETE being what
the policies judge.
"""

from __future__ import annotations

import hashlib
import queue
import tempfile
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

import psycopg
from psycopg.copy import Copy, LibpqWriter

from . import tables

if TYPE_CHECKING:
    from .facts import Fill

# what a publish sent of a table: the SHA-256 of its COPY text, and of each block of it sent (its first 16
# hex digits: they tell when to stop keeping the text of a table that differs, not whether it does)
Sent = tuple[str, list[str]]
TEMP = "pg_temp"  # the session's own schema: the rows of one table before the merge
# the COPY text waiting for the thread at most: the memory of the pipeline is bounded, and the main thread
# reads and formats the next registers while the server merges the last ones (bills, bill_facts and
# payment_parts are ~0.5-0.8 s each for M): a bound in jobs had it wait on a merge behind a few small jobs
AHEAD = 48 << 20
CHANGES = f"{TEMP}.publish_changes"  # the rows of one table that differ: new ones to insert, old ones to delete
HELD_READ = 4 << 20  # bytes of a table's kept COPY text sent at a time
# the memory of the server's hash joins and sums for this transaction (PostgreSQL's default 4 MB would spill
# an M estate's 240,000 rows to disk in batches): the hash of a table's rows fits, for an L estate too
WORK_MEM = "256MB"


class Loader:
    """Jobs for the connection: `begin(table)`, `send(text)` …, `end()` per table, then `close()`, which
    waits for the last and raises what failed on the thread (a failure stops the jobs after it). `first`:
    the estate has no rows yet (its first publish)."""

    def __init__(self, conn: psycopg.Connection, estate: str, *, first: bool = False,
                 periods: dict[str, str] | None = None, sent: dict[str, Sent] | None = None) -> None:
        self.conn = conn
        self.estate = estate
        self.direct = first and _unpoliced(conn)
        self.periods = periods or {}  # table → its 账期 column, for the tables summed by 账期
        # per such table merged: the 账期 of the rows it changed (and whether one had none); absent: all
        self.changed: dict[str, tuple[list[str], bool]] = {}
        self.sent = sent or {}  # table → the digests of the COPY text of the estate's last publish
        self.digests: dict[str, str] = {}  # table → the digest of this publish's COPY text
        self.blocks: dict[str, list[str]] = {}  # table → the digests of the blocks it was sent in
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
        """`fill`: columns the server sets on the rows COPYed, from a table loaded before, before they are
        merged; the digest kept for them is of their text and that table's (a change there changes them)."""
        self._put(("begin", table, fill))

    def send(self, text: bytes) -> None:
        with self._room:  # one chunk always goes, however big
            self._room.wait_for(lambda: self._pending == 0 or self._pending + len(text) <= AHEAD
                                or self.error is not None)
            self._pending += len(text)
        self._put(("data", text))

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
        held = None  # the COPY text of a table the last publish sent, kept until it is known to differ
        last: Sent = ("", [])  # what the last publish sent of the table
        blocks: list[str] = []
        digest = hashlib.sha256()
        while (job := self._jobs.get()) is not None:
            if self.error is not None:
                continue  # drained: the main thread stops at its next job
            try:
                if job[0] == "begin":
                    table, fill = job[1], job[2]
                    digest = _digest(table)
                    if fill is not None:
                        digest.update(self.digests[fill.source].encode())
                    blocks = []
                    if table.name in self.sent:
                        last = self.sent[table.name]
                        held = tempfile.TemporaryFile()
                    else:
                        cur, copy, writing = self._copy(table, fill)
                elif job[0] == "refill":
                    self._refill(*job[1:])
                elif job[0] == "call":
                    job[1](self.conn)
                elif job[0] == "data":
                    digest.update(job[1])  # the GIL let go of while it hashes
                    blocks.append(hashlib.sha256(job[1]).hexdigest()[:16])
                    n = len(blocks)
                    if held is not None and (n > len(last[1]) or last[1][n - 1] != blocks[-1]):
                        # a block the last publish did not send: the table differs, and is sent from here on
                        # as it comes (the server COPYs 应收账单 while its text is made), what was kept first
                        cur, copy, writing = self._copy(table, fill)
                        _send_kept(held, writing)
                        held = None
                    (held or writing).write(job[1])  # type: ignore[union-attr]
                    self._written(len(job[1]))
                else:
                    assert table is not None
                    self.digests[table.name], self.blocks[table.name] = digest.hexdigest(), blocks
                    # the very text the last publish sent: the very rows the table holds
                    same = table.name in self.sent and last[0] == self.digests[table.name]
                    if held is not None:
                        if same:
                            held.close()
                            held = None
                            self._unchanged(table)
                            continue
                        cur, copy, writing = self._copy(table, fill)  # the same blocks, but what is filled
                        _send_kept(held, writing)
                        held = None
                    assert copy is not None and cur is not None
                    copy.__exit__(None, None, None)
                    copy = None
                    cur.close()
                    if same:  # sent all the same (its blocks cut otherwise by the publish that sent it)
                        self.conn.execute(f"drop table {_temp(table)}")
                        self._unchanged(table)
                        continue
                    if fill is not None:
                        self.conn.execute(fill.sql.replace("{rows}", _temp(table)), {"estate": self.estate})
                    if self.direct and fill is not None:
                        self.conn.execute(f"insert into {table.qualified} ({_cols(table.names)}) "
                                          f"select {_cols(table.names)} from {_temp(table)}")
                        self.conn.execute(f"drop table {_temp(table)}")
                    elif not self.direct:
                        changed = merge(self.conn, table, self.estate, self.periods.get(table.name))
                        if changed is not None:
                            self.changed[table.name] = changed
            except BaseException as exc:  # handed to the main thread
                self.error = exc
                self._written(0)
                if held is not None:
                    held.close()
                    held = None
                if copy is not None:
                    try:
                        copy.__exit__(type(exc), exc, exc.__traceback__)
                    except BaseException:
                        pass
                    copy = None
        if held is not None:
            held.close()
        if copy is not None:  # the main thread stopped in the middle of a table: the COPY is abandoned
            try:
                copy.__exit__(RuntimeError, RuntimeError("publish stopped"), None)
            except BaseException:
                pass

    def _unchanged(self, table: tables.Table) -> None:
        if table.name in self.periods:
            self.changed[table.name] = ([], False)  # no 账期 to sum again

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


def _send_kept(held: IO[bytes], writing: Copy) -> None:
    """The COPY text kept in the file sent, and the file closed."""
    held.seek(0)
    while data := held.read(HELD_READ):
        writing.write(data)
    held.close()


def _unpoliced(conn: psycopg.Connection) -> bool:
    """Whether the row-level security leaves this role alone (it owns the tables, or is a superuser or
    BYPASSRLS role): then it may COPY into them."""
    row = conn.execute("select r.rolsuper or r.rolbypassrls or c.relowner = r.oid from pg_roles r, pg_class c "
                       "where r.rolname = current_user and c.oid = %s::regclass and not c.relforcerowsecurity",
                       (tables.REGISTERS[0].qualified,)).fetchone()
    return bool(row and row[0])


def _digest(table: tables.Table):  # type: ignore[no-untyped-def]
    """The hash a table's COPY text is kept by: its columns (a migration that changes them changes it), then
    the text."""
    return hashlib.sha256(("\t".join(table.names) + "\n").encode())


def _temp(table: tables.Table) -> str:
    return f"{TEMP}.publish_{table.name}"


def _cols(names: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f'{alias}"{c}"' for c in names)


def merge(conn: psycopg.Connection, table: tables.Table, estate: str,
          period: str | None = None) -> tuple[list[str], bool] | None:
    """The estate's rows of `table` made those of its temporary table: by key when the table has one (one
    hash join of the new rows with the old finds those that differ or are on one side only; only they are
    deleted and inserted), else all replaced. `period`: a column whose values among the rows changed
    (old and new) are returned, and whether one was null; None when all were replaced."""
    q, new, cols = table.qualified, _temp(table), _cols(table.names)
    changed = None
    if not table.primary:
        conn.execute(f"delete from {q} where estate = %s", (estate,))
        conn.execute(f"insert into {q} ({cols}) select {cols} from {new}")
    else:
        on = " and ".join(f'n."{c}" = t."{c}"' for c in table.primary)
        rest = tuple(c for c in table.names[1:] if c not in table.primary)
        differ = f"row({_cols(rest, 'n.')}) is distinct from row({_cols(rest, 't.')})" if rest else "false"
        key = f'"{table.primary[0]}"'  # not null: null only on the side a row is missing from
        # a full join is a hash or merge join, never a loop over the estate's rows per row (whatever the
        # planner's statistics say of an estate published since they were made)
        conn.execute(f"create temporary table {CHANGES} (new_row tid, old_row tid) on commit drop")
        conn.execute(f"insert into {CHANGES} select n.ctid, t.tid from {new} n full join (select ctid as tid, * from {q} where estate = %s) t on {on} "
                     f"where n.{key} is null or t.{key} is null or {differ}", (estate,))
        if period is not None:
            row = conn.execute(f'select array_agg(distinct p) filter (where p is not null), coalesce(bool_or(p is null), false) '
                               f'from (select "{period}" as p from {q} where estate = %s and ctid = any(array(select '
                               f'old_row from {CHANGES} where old_row is not null)) union all select "{period}" from {new} '
                               f'where ctid = any(array(select new_row from {CHANGES} where new_row is not null))) c',
                               (estate,)).fetchone()
            assert row is not None
            changed = (list(row[0] or ()), bool(row[1]))
        conn.execute(f"delete from {q} where estate = %s and ctid = any(array(select old_row from {CHANGES} "
                     f"where old_row is not null))", (estate,))
        conn.execute(f"insert into {q} ({cols}) select {cols} from {new} where ctid = any(array(select new_row "
                     f"from {CHANGES} where new_row is not null))")
        conn.execute(f"drop table {CHANGES}")
    conn.execute(f"drop table {new}")
    return changed
