"""`propcli publish`: one estate's registers into the group database, all or nothing.

In one transaction: lock the estate (an advisory lock on its name — another estate is never blocked, a
second publish of the same one waits PROPCLI_DB_LOCK_WAIT seconds, then is told it is busy), check the
name belongs to this workbook, then make every table's rows of the estate those of the workbook: COPY every
register (read through the store's column reader, the one the workbook commands use, one register at a
time, a big one a piece of rows at a time: `WHOLE_LIMIT`) and the derived tables of `facts.py` (made of
the pieces of 应收账单 and 收款记录 as they are copied, or by a child beside them; spooled, sent after
them), each merged into the estate's rows by the loader's thread (`loader.py`: only the rows that differ
are written; only the blocks of COPY text that differ from the last publish's are even sent) and reconciled
there as soon as it is: the row count and the money totals the database sums must equal what was read
from the workbook, or nothing is committed. A kill at any moment leaves the previous publish as it was:
the transaction never committed. What a publish holds is a piece of a register, not a register: an L
estate (1.6 million bills) publishes within ~420 MB, most of it the workbook's shared strings.

Estate identity: the name (小区信息 › 小区名称, or --estate) is owned by the workbook that first published
it, known by its file name and the creation time Excel/WPS/propcli keep in the file (docProps/core.xml),
which no edit changes — the workbook itself is never written. Another workbook under the same name is
refused (--estate to publish it under another name; --replace to take the name over deliberately).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import operator
import os
import re
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, count, islice, repeat
from pathlib import Path

import psycopg
from psycopg import errors as pgerrors

from ..errors import DataError, Exit, Location, Problem, ProblemsError, UsageError, WorkbookBusy
from ..store import schema, twocore
from ..store.safety import env_seconds
from ..store.workbook import ROW_NUMBER, Workbook
from . import facts, session, tables
from .config import Target
from .loader import Loader, Sent

LOCK_WAIT = ("PROPCLI_DB_LOCK_WAIT", 10.0, 0.0, 3600.0)
ZERO = Decimal(0)
CHUNK = 20_000  # rows formatted and sent at a time
# a register whose sheets hold more XML than this is read and copied a piece of rows at a time, never held
# whole (L: 应收账单's 640 MB, 抄表记录's 219 MB, 收款记录's 122 MB): read whole, a register takes a few times
# its XML (M's 应收账单, 98 MB: a publish's ~300 MB), within the 500 MB a publish may take; and it is kept
# in the read cache, which the nightly publish then reads in a fraction of the time
WHOLE_LIMIT = 100 << 20
# the registers a child reads ahead (`_ReadAhead`) at most, in bytes of XML: M's are ~60 MB; more would be
# held whole in the child while this process holds 应收账单 (an estate with a register above WHOLE_LIMIT
# has no child at all)
AHEAD_LIMIT = 160 << 20
_CREATED = re.compile(rb"<dcterms:created[^>]*>([^<]*)</dcterms:created>")


class Refused(ProblemsError):
    """The workbook has problems that would publish wrong data (as `check` reports them): exit 3."""

    exit_code = Exit.CHECK


@dataclass
class Tally:
    """What one table should hold: its rows and the sums of its money columns."""

    rows: int = 0
    money: dict[str, Decimal] = field(default_factory=dict)
    blocks: list[str] | None = None  # the digest of each block of its COPY text (`loader.Sent`)

    def as_json(self) -> dict:
        out: dict = {"rows": self.rows, "money": {k: f"{v:.2f}" for k, v in self.money.items()}}
        if self.blocks is not None:
            out["blocks"] = self.blocks
        return out


@dataclass
class Published:
    estate: str
    tallies: dict[str, Tally]
    replaced: str | None  # the workbook that owned the name before (--replace)
    first: bool  # the estate's first publish


def estate_name(wb: Workbook, given: str | None) -> str:
    """--estate, else 小区信息 › 小区名称; neither is a usage error."""
    name = (given if given is not None else wb.settings().get("name") or "").strip()
    if not name:
        raise UsageError("publish.no_name", workbook=wb.name)
    return name


def workbook_key(wb: Workbook) -> str:
    """The identity of the workbook that owns an estate name: file name and creation time (none: file name)."""
    created = ""
    try:
        with zipfile.ZipFile(wb.path) as z:
            m = _CREATED.search(z.read("docProps/core.xml"))
            created = m.group(1).decode("utf-8", "replace").strip() if m else ""
    except (KeyError, zipfile.BadZipFile, OSError):
        pass
    return f"{wb.name}|{created}" if created else wb.name


def publish(wb: Workbook, target: Target, estate: str, *, replace: bool = False) -> Published:
    collecting = gc.isenabled()
    gc.disable()  # millions of columns' values and texts made and dropped, no cycle among them: the cyclic
    try:  # collector walking the young ones again and again was a tenth of a publish's Python time
        return _publish(wb, target, estate, replace=replace)
    finally:
        if collecting:
            gc.enable()


def _publish(wb: Workbook, target: Target, estate: str, *, replace: bool) -> Published:
    key = workbook_key(wb)
    with session.connected(target) as conn:  # its server lost half-way: said as one never reached
        try:
            with conn.transaction():
                _lock(conn, estate)
                before = _owner(conn, estate)
                if before is not None and before[1] != key and not replace:
                    raise DataError("publish.name_taken", estate=estate, other=before[0], when=before[2],
                                    workbook=wb.name)
                tallies = _load(conn, wb, estate, first=before is None, sent=_sent(conn, estate))
                rows = json.dumps({k: t.as_json() for k, t in tallies.items()}, ensure_ascii=False)
                conn.execute(f"insert into {tables.SCHEMA}.estates (estate, workbook, workbook_key, published_at, "
                             f"rows) values (%s, %s, %s, now(), %s) on conflict (estate) do update set workbook = "
                             f"excluded.workbook, workbook_key = excluded.workbook_key, published_at = now(), "
                             f"rows = excluded.rows", (estate, wb.name, key, rows))
        except pgerrors.InsufficientPrivilege:
            raise DataError("publish.denied", estate=estate, db=target.shown) from None
        except pgerrors.LockNotAvailable:
            raise WorkbookBusy("publish.busy", estate=estate, db=target.shown) from None
    replaced = before[0] if before is not None and before[1] != key else None
    return Published(estate, tallies, replaced, before is None)


def _lock(conn: psycopg.Connection, estate: str) -> None:
    wait = env_seconds(*LOCK_WAIT)
    conn.execute(f"set local lock_timeout = '{int(wait * 1000)}ms'")
    conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", ("propcli.publish:" + estate,))
    conn.execute("set local lock_timeout = 0")


def _owner(conn: psycopg.Connection, estate: str) -> tuple[str, str, str] | None:
    row = conn.execute(f"select workbook, workbook_key, to_char(published_at, 'YYYY-MM-DD HH24:MI') "
                       f"from {tables.SCHEMA}.estates where estate = %s", (estate,)).fetchone()
    return (row[0], row[1], row[2]) if row else None


def _sent(conn: psycopg.Connection, estate: str) -> dict[str, Sent]:
    """Per table, the digests of the blocks of COPY text the estate's last publish sent (what its rows are)."""
    row = conn.execute(f"select rows from {tables.SCHEMA}.estates where estate = %s", (estate,)).fetchone()
    held = row[0] if row and isinstance(row[0], dict) else {}
    return {k: v["blocks"] for k, v in held.items() if isinstance(v, dict) and isinstance(v.get("blocks"), list)}


def _load(conn: psycopg.Connection, wb: Workbook, estate: str, *, first: bool = False,
          sent: dict[str, Sent] | None = None) -> dict[str, Tally]:
    """Replace the estate's rows in every table, each reconciled once it is loaded (on the loader's thread,
    while the next is read); returns what each holds. `first`: the estate's first publish. `sent`: per
    table, the digests of the blocks of the last (`_sent`)."""
    tallies: dict[str, Tally] = {}
    problems: list[Problem] = []
    loader = Loader(conn, estate, first=first, periods=facts.PERIOD_OF, sent=sent, fills=(facts.FILL_PARTS,))

    def loaded(name: str, tally: Tally) -> None:
        tallies[name] = tally
        if not problems:
            loader.call(lambda c: _reconcile(c, estate, name, tally))

    # the registers the derived tables are made of first (owners and 过户, which a bill's facts ask, before
    # 应收账单 and 收款记录), each derived table made of its register's pieces as they are copied (or aside,
    # by a child), and sent once it is made: the server merges and sums it while the other registers are read
    sources = [next(t for t in tables.REGISTERS if t.sheet is s) for s in facts.SOURCES]
    order = (*sources, *(t for t in tables.REGISTERS if t not in sources))
    sheets = [t.sheet for t in order if t.sheet is not None and wb.has(t.sheet)]
    # a cold read inflates the next register while one is scanned, and reads some on the second core; not
    # beside a register read in pieces (L's 收款记录 and 抄表记录, 340 MB of XML, would be held while its 1.6
    # million bills are read: a big estate's publish is bound by its memory, not its speed)
    big = any(wb.xml_size(s) > WHOLE_LIMIT for s in sheets)
    ahead = _ReadAhead(wb, [] if big else sheets)
    if not big:
        wb.prefetch(*(s for s in sheets if s not in ahead.sheets))
    spooled: list[_Spool] = []  # derived tables made, or being made aside, not yet sent

    def send_made(wait: bool) -> None:
        """The derived tables made (all of them, when `wait`: waiting for those being made), in order."""
        while spooled and (wait or spooled[0].ready()):
            spool = spooled[0]
            spool.finish()  # its failure raised here: the spool still in the list, closed by `finally`
            spooled.pop(0)
            if not problems:
                loaded(spool.table.name, spool.send(loader))
                for summed, (source, select) in facts.SUMS.items():
                    if source == spool.table.name:
                        loader.refill(tables.by_name()[summed], source, select)
            spool.file.close()

    try:
        bills = facts.BillFacts(wb)
        # register → the derived table made of it, what makes a piece of it, and what the server fills in
        derived = {schema.BILLS: (tables.BILL_FACTS, bills, None),
                   schema.PAYMENTS: (tables.PAYMENT_PARTS, facts.Parts(wb, bills), facts.FILL_PARTS)}
        for table in order:
            if table.sheet in ahead.sheets:
                ahead.wait()
            made = derived.get(table.sheet)  # type: ignore[arg-type]
            if made is not None:
                send_made(wait=True)  # a derived table's maker asks what the last one found (Parts: bills' unbilled)
            spool = _Spool(made[0], estate, *made[1:]) if made is not None else None
            loaded(table.name, _copy_register(loader, wb, table, estate, problems, spool))
            if table.sheet is not None:
                wb.forget(table.sheet)  # one register in memory at a time (an L estate's bills are 1.6 million;
                # one made aside is held by its spool until the child is done)
            if spool is not None:
                spooled.append(spool)
            send_made(wait=False)
        send_made(wait=True)
        if problems:
            raise Refused("publish.refused", problems, workbook=wb.name)
        settings = [(k, v) for k, v in wb.settings().items()]
        loaded(tables.SETTINGS.name, copy_rows(loader, tables.SETTINGS, estate, settings))
    finally:
        ahead.cancel()
        for spool in spooled:
            spool.cancel()
        loader.close()  # the last merge done, or the thread's failure raised
    for name, blocks in loader.blocks.items():
        tallies[name].blocks = blocks
    return tallies


class _ReadAhead:
    """A cold read of the registers on the second core: while this process reads the biggest register the
    read cache does not hold (应收账单) and makes its COPY text, a forked child reads those it copies after
    it (收款记录, 抄表记录 …) into the read cache, where `wb.columns` then finds them — M's cold read is
    ~4.7 s of Python, half of it 应收账单. The child opens the workbook anew (its own file, no
    state shared with this process) and only writes cache entries, which are keyed by the sheets' content:
    a workbook saved in between is read here again, as is any register the child did not get to (it
    failed, or the cache folder cannot be written)."""

    def __init__(self, wb: Workbook, sheets: list[schema.Sheet]) -> None:
        cold = [s for s in sheets if not wb.in_cache(s)]
        biggest = max(cold, key=lambda s: wb.xml_size(s), default=None)
        self.sheets = cold[cold.index(biggest) + 1:] if biggest is not None else []
        self._job = None
        size = sum(wb.xml_size(s) for s in self.sheets)
        if self.sheets and twocore.worth_it(size) and size <= AHEAD_LIMIT:
            self._job = twocore.Forked(_read_into_cache, wb.path, tuple(s.key for s in self.sheets), os.getpid())
        else:
            self.sheets = []

    def wait(self) -> None:
        if self._job is not None:
            self._job.result()
            self._job = None

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None


def _read_into_cache(path: Path, keys: tuple[str, ...], parent: int) -> bool:
    """In the child: every column of these registers read, which stores them in the read cache. In the
    parent (the child failed: `twocore.Forked` asks it here) nothing: each register is read when its turn
    comes."""
    if os.getpid() == parent:
        return False
    with Workbook(path) as wb:
        for key in keys:
            sheet = schema.BY_KEY[key]
            wb.columns(sheet, (ROW_NUMBER, *(c.key for c in sheet.columns)))
    return True


def _copy_register(loader: Loader, wb: Workbook, table: tables.Table, estate: str, problems: list[Problem],
                   spool: _Spool | None = None) -> Tally:
    """One register, read column by column, CHUNK rows at a time, and copied; its unreadable cells and
    blank or repeated keys are added to `problems` (they would publish a wrong row), after which nothing
    more is copied (refused at the end, with every register's problems) but every register is still read
    for its own. `spool`: the derived table made of this register's pieces — of all of them at once by a
    forked child (`_Spool.aside`) when the register is read whole and big enough, while this process
    copies it (M's bill_facts and payment_parts: ~1.5 s of Python beside the registers' own)."""
    sheet = table.sheet
    assert sheet is not None
    if not wb.has(sheet):  # a register the workbook no longer has: its rows go
        return copy_columns(loader, table, estate, ())
    names = (ROW_NUMBER, *(c.key for c in sheet.columns))
    keys = _Keys(wb, sheet, table.primary)
    size = wb.xml_size(sheet)
    if size > WHOLE_LIMIT:  # read a piece at a time as its XML is inflated, never held whole
        register = wb.column_pieces(sheet, names, CHUNK, problems=problems)
    else:  # read whole (and kept in the read cache for the next publish)
        cols = wb.columns(sheet, names, problems=problems)
        register = _slices(cols, names)
        if spool is not None and not problems and twocore.worth_it(size):
            spool.aside(lambda: _slices(cols, names))

    def pieces() -> Iterator[list[Sequence[object]]]:
        for cols in register:
            keys.add(cols, problems)
            if not problems:
                if spool is not None and not spool.forked:
                    spool.add(cols)
                yield [cols[k] for k in names]
        keys.end(problems)

    tally = copy_columns(loader, table, estate, pieces())
    return Tally(0, {m: ZERO for m in table.money}) if problems else tally


def _slices(cols: dict[str, list], names: tuple[str, ...]) -> Iterator[dict[str, list]]:
    """A register read whole, CHUNK rows at a time."""
    return ({k: cols[k][i:i + CHUNK] for k in names} for i in range(0, len(cols[ROW_NUMBER]), CHUNK))


_SET_KEYS = 500_000  # a register's keys up to this many are told apart by a set of their hashes, above by numpy


class _Keys:
    """A register's keys (账单号, 收据号, 房号 …) over its pieces: a blank one, or one repeated within a
    piece, located as the piece comes (`_key_problems`); one repeated across pieces found at the end by
    the keys' hashes — 8 bytes a key, not L's 1.6 million 账单号 held — and then located by `_key_problems`
    over the register's key columns read again (only then: a workbook `check` would refuse)."""

    def __init__(self, wb: Workbook, sheet: schema.Sheet, primary: tuple[str, ...]) -> None:
        self.wb, self.sheet, self.primary = wb, sheet, primary
        self.hashes = array("q")
        self.found: list[Problem] = []

    def add(self, cols: dict[str, list], problems: list[Problem]) -> None:
        if not self.primary:
            return
        p = self.primary
        self.hashes.extend(map(hash, cols[p[0]] if len(p) == 1 else zip(*(cols[k] for k in p))))
        if len(self.found) < 50:
            found = _key_problems(self.wb, self.sheet, p, cols)
            self.found.extend(found)
            problems.extend(found)

    def end(self, problems: list[Problem]) -> None:
        if len(self.hashes) < 2 or len(self.found) >= 50:
            return
        if len(self.hashes) <= _SET_KEYS:
            if len(set(self.hashes)) == len(self.hashes):
                return  # every key once (the usual case, decided in C)
        else:
            import numpy  # only here: loading it costs a publish ~0.1 s; a set of L's 1.6 million keys, ~100 MB

            h = numpy.frombuffer(self.hashes, dtype=numpy.int64).copy()
            h.sort()
            if not (h[1:] == h[:-1]).any():
                return
        mine = set(map(id, self.found))
        problems[:] = [q for q in problems if id(q) not in mine]
        cols = self.wb.columns(self.sheet, (ROW_NUMBER, *self.primary))
        problems.extend(_key_problems(self.wb, self.sheet, self.primary, cols))


def _key_problems(wb: Workbook, sheet: schema.Sheet, primary: tuple[str, ...], cols: dict[str, list]) -> list[Problem]:
    """Blank or repeated keys (账单号, 收据号, 房号 …), located as `check` locates them."""
    keys = cols[primary[0]] if len(primary) == 1 else list(zip(*(cols[k] for k in primary)))
    distinct = set(keys)
    if len(distinct) == len(keys) and None not in distinct and "" not in distinct and (
            len(primary) == 1 or not any(None in k or "" in k for k in distinct)):
        return []  # the usual case, decided in C
    seen: set[tuple] = set()
    out: list[Problem] = []
    where = wb.sheet_name(sheet) or sheet.zh
    for i, key in enumerate(zip(*(cols[k] for k in primary))):
        row = cols[ROW_NUMBER][i]
        if any(v is None or v == "" for v in key):
            col = next(k for k, v in zip(primary, key) if v is None or v == "")
            out.append(Problem("required", "publish.key_blank", Location(wb.name, where, row, sheet.column(col).zh),
                               None, column_key=col))
        elif key in seen:
            out.append(Problem("duplicate-id", "publish.key_repeated", Location(wb.name, where, row, sheet.column(primary[0]).zh),
                               " + ".join(map(str, key)), column_key=primary[0]))
        else:
            seen.add(key)
        if len(out) >= 50:
            break
    return out


def copy_rows(loader: Loader, table: tables.Table, estate: str, rows: Iterable[tuple]) -> Tally:
    """COPY rows (tuples in the table's column order after `estate`), a chunk at a time."""
    it = iter(rows)
    chunks = iter(lambda: list(islice(it, CHUNK)), [])
    return copy_columns(loader, table, estate, (list(zip(*chunk)) for chunk in chunks))


def copy_columns(loader: Loader, table: tables.Table, estate: str,
                 chunks: Iterable[Sequence[Sequence[object]]]) -> Tally:
    """Make the estate's rows of `table` these chunks of columns (the table's columns after `estate`,
    aligned), and tally them as they go; the loader's thread COPYs and merges them (`loader.py`)."""
    text = _Text(table, estate)
    loader.begin(table)
    for chunk in chunks:
        if data := text.of(chunk):
            loader.send(data)
    loader.end()
    return text.tally


class _Text:
    """A table's rows as COPY text, a chunk of columns at a time — one block of the text, its rows
    numbered with it (tables.BLOCK, from 1) — tallied as they go.

    The text is built column by column (each distinct value's text once, escapes only in a column that
    needs them), so a register of 240,000 rows costs a few C-level passes, not a Python call per cell."""

    def __init__(self, table: tables.Table, estate: str, filled: tuple[str, ...] = ()) -> None:
        assert table.names[-1] == tables.BLOCK
        self.summed = tuple(m for m in table.money if m not in filled)  # the server's fill is not reconciled
        self.money = [table.names.index(m) - 1 for m in self.summed]
        self.tally = Tally(0, {m: ZERO for m in self.summed})
        self.head = _escaped([estate])[0]
        self.exact = [_EXACT.get(sql.split()[0]) for _, sql in table.columns[:-1]]
        self.block = 0

    def of(self, chunk: Sequence[Sequence[object]]) -> bytes:
        """The block of these columns (the table's after `estate`, but the block)."""
        if not chunk or not chunk[0]:
            return b""
        n, width = len(chunk[0]), 2 * len(chunk) + 2
        self.tally.rows += n
        self.block += 1
        for m, i in zip(self.summed, self.money):
            self.tally.money[m] += sum(filter(None, chunk[i]), ZERO)
        # the rows' texts laid out in one list, each row `estate⇥v1⇥…⇥vk⇥block↵`, joined once: a slice
        # assignment per column, not a tuple and a join per row
        texts = ["\t"] * (width * n)
        texts[0::width] = repeat(self.head, n)
        for j, (col, types) in enumerate(zip(chunk, self.exact)):
            texts[2 * j + 2::width] = _escaped(col, types)
        texts[width - 1::width] = repeat(f"\t{self.block}\n", n)
        return "".join(texts).encode()


class _Spool:
    """A derived table made while its register is read — `maker.piece` of each piece of the register's
    columns (`add`), or of all of them by a forked child (`aside`) — its COPY text kept in a temporary file
    until the register's own COPY is done (one connection copies one table at a time), then sent (`send`)
    block by block (`sizes`: the bytes of each).
    """

    def __init__(self, table: tables.Table, estate: str, maker: facts.BillFacts | facts.Parts,
                 fill: facts.Fill | None = None) -> None:
        self.table, self.maker, self.fill = table, maker, fill
        self.text = _Text(table, estate, fill.filled if fill is not None else ())
        self.file = tempfile.TemporaryFile()
        self.sizes: list[int] = []
        self._aside: twocore.Forked | None = None

    @property
    def forked(self) -> bool:
        return self._aside is not None

    def add(self, cols: dict[str, list]) -> None:
        made = self.maker.piece(cols)  # a piece of L's payments makes ~4.6 times as many parts: formatted CHUNK at a time
        for i in range(0, len(made[0]), CHUNK):
            if block := self.text.of([c[i:i + CHUNK] for c in made]):
                self.sizes.append(self.file.write(block))

    def aside(self, pieces: Callable[[], Iterable[dict[str, list]]]) -> None:
        """Made of all these pieces by a forked child, into the file (which it shares), while this process
        goes on; `finish` takes its tally, its blocks' sizes and the rows that are not bills it found
        (`BillFacts.unbilled`, which Parts asks), or, the child failed, makes them here (`twocore.Forked`)."""
        self._aside = twocore.Forked(self._made, pieces)

    def _made(self, pieces: Callable[[], Iterable[dict[str, list]]]) -> tuple[Tally, list[int], dict]:
        self.file.seek(0)
        self.file.truncate()  # what a failed child wrote, when made here after it
        for cols in pieces():
            self.add(cols)
        self.file.flush()  # the child ends with os._exit: nothing of its buffer is written after
        return self.text.tally, self.sizes, self.maker.unbilled

    def ready(self) -> bool:
        return self._aside is None or self._aside.ready()

    def finish(self) -> None:
        """Wait for the child making the table, and take its tally, its blocks' sizes and the rows that are
        not bills."""
        if self._aside is not None:
            self.text.tally, self.sizes, unbilled = self._aside.result()
            self._aside = None
            self.maker.unbilled.update(unbilled)  # in place: BillFacts and Parts share it

    def cancel(self) -> None:
        if self._aside is not None:
            self._aside.cancel()
            self._aside = None
        self.file.close()

    def send(self, loader: Loader) -> Tally:
        """The table's text, once `finish`ed, to the loader; what it should hold."""
        loader.begin(self.table, self.fill)
        self.file.seek(0)
        for size in self.sizes:
            loader.send(self.file.read(size))
        loader.end()
        return self.text.tally


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
_NULL = "\\N"


# Per SQL type, the Python types whose values are equal only when their texts mean the same to the column:
# their text is made once per distinct value. Not plain numeric (Decimal 1.5 equals 1.50, whose scale it
# keeps) nor mixed types (1 equals True).
_NONE = type(None)
_EXACT: dict[str, tuple[type, ...]] = {
    "text": (str, _NONE), "numeric(14,2)": (Decimal, _NONE), "date": (dt.date, _NONE),
    "timestamp": (dt.datetime, _NONE), "boolean": (bool, _NONE), "integer": (int, _NONE), "bigint": (int, _NONE),
}
_SAMPLE = 2_000  # values looked at to guess whether a column repeats itself


def _escaped(col: Sequence[object], exact: tuple[type, ...] | None = None) -> list[str]:
    """One column's values as COPY text: str() of each (dates ISO, Decimals exact, True/False), tabs,
    line breaks and backslashes escaped, None as \\N. `exact`: the types whose equal values have one text
    in this column (`_EXACT`); a column of few distinct such values (账期, 收费项目, amounts, days) makes
    each one's text once."""
    if exact is not None and len(set(col[:_SAMPLE])) * 4 <= min(len(col), _SAMPLE):
        distinct = set(col)
        if len(distinct) * 4 <= len(col) and all(type(v) in exact for v in distinct):
            known = dict(zip(distinct, _escaped(list(distinct))))
            return list(map(known.__getitem__, col))
    texts = list(map(str, col))
    if _SPECIAL.search("".join(texts)):
        texts = [t.translate(_ESCAPES) for t in texts]
    for i in compress(count(), map(operator.is_, col, repeat(None))):
        texts[i] = _NULL
    return texts


def _reconcile(conn: psycopg.Connection, estate: str, name: str, want: Tally) -> None:
    """A table's count and money sums in the database against what was read: a difference is named and the
    transaction rolled back (the caller's `with conn.transaction()` does it as the error leaves)."""
    money = list(want.money)  # not those the server fills in (`facts.Fill`)
    sums = "".join(f', coalesce(sum("{m}"), 0)' for m in money)
    got = conn.execute(f"select count(*){sums} from {tables.SCHEMA}.{name} where estate = %s", (estate,)).fetchone()
    assert got is not None
    if got[0] != want.rows:
        raise DataError("publish.mismatch_rows", table=_label(name), read=want.rows, stored=got[0])
    for m, value in zip(money, got[1:]):
        if value != want.money[m]:
            raise DataError("publish.mismatch_money", table=_label(name), column=m,
                            read=f"{want.money[m]:.2f}", stored=f"{value:.2f}")


def _label(name: str) -> str:
    """A table as the clerk knows it: the register's Chinese name (and the table)."""
    sheet = schema.BY_KEY.get(name)
    return f"{sheet.zh} ({name})" if sheet is not None else name
