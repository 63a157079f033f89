"""The workbook gateway: typed reads, and writes that keep every guarantee of DESIGN §5.

A write (`commit`) changes only the worksheet parts it edits, goes to a temporary file beside the
workbook, checks that nobody changed the workbook since it was read, keeps the previous version in
`.propcli/backups/`, and replaces the workbook atomically. Every change is journaled in 操作日志.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from xml.etree import ElementTree as ET

from ..errors import DataError, Location, Problem, WorkbookBusy, located
from . import cache, columns, schema, signals, streamread, twocore, unitsearch
from .columns import SheetData, header_of, rewritten, scan_data, scan_only, scan_rows, updated
from .fastread import ERROR_CELL, MissingString, SharedStrings, SheetScan, Unsupported
from .package import (EncryptedPackage, LegacyPackage, Package, PackageError, StrictPackage, _not_a_zip,
                      add_sheet_parts)
from .normalize import CONVERTERS, CellError, is_blank
from .reader import Row, Table, build_table, empty_table
from .safety import (STATE_DIR, WriteLock, env_count, os_error, os_errors, prepare_state, refuse_if_open,
                     state_dir, sweep_tmp)
from .sheetxml import MAX_ROWS, CellValue, SheetXml, col_index, col_letter, new_sheet_xml

KEEP_BACKUPS = 30
HEADER_ONLY = ("", "")  # `read(only=…)` that keeps no row: the header, for appending
ROW_NUMBER = "_row"  # `columns(…, keys)`: the rows' numbers in their sheets
READ_ONLY_SUFFIXES = (".xls", ".ods", ".xlsb")


_SHARED_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="s"[^>]*>\s*<v>\s*(\d+)\s*</v>')
_V_TEXT = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")


def _fingerprint(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def keep_backups() -> int:
    """How many backups of the workbook to keep (`PROPCLI_KEEP_BACKUPS`, at least one: undo needs it)."""
    return env_count("PROPCLI_KEEP_BACKUPS", KEEP_BACKUPS, 1, 100_000)


def check_env() -> None:
    """Every `PROPCLI_*` value a write uses, checked before anything is done (the lock timeout is
    checked by the lock itself)."""
    keep_backups()
    sheet_rows()


def display(value: object) -> str:
    """A value as the journal and messages show it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class JournalEntry:
    sheet: str
    key: str
    before: str
    after: str
    fields: tuple[FieldChange, ...] = ()  # the same change field by field (for a dry run's masked rows)


@dataclass(frozen=True)
class FieldChange:
    """One cell of a journaled change, with its column's declared kind, so that whoever shows it can
    mask a phone or an ID number as every other output does."""

    column: str  # the header (联系电话)
    kind: str  # schema.Kind of the column
    before: object
    after: object


@dataclass
class _SheetEdits:
    table: Table
    updates: dict[int, dict[int, CellValue]] = field(default_factory=dict)
    appends: list[dict[int, CellValue]] = field(default_factory=list)
    new_headers: dict[int, str] = field(default_factory=dict)


@dataclass
class CommitResult:
    entries: list[JournalEntry]
    written: bool
    backup: Path | None = None


class Workbook:
    """An estate workbook opened for reading, or for a change when `write=True` (then use it as a
    context manager: the write lock is held from the first read to the replace)."""

    def __init__(self, path: Path, *, write: bool = False, force: bool = False) -> None:
        given = Path(path)
        # a symlinked workbook: resolved once, so that every read, lock, backup and replace is of the real
        # file and the link stays a link; messages keep the name the clerk gave
        self.path = Path(os.path.realpath(given))
        self.name = given.name
        self.force = force
        self.readonly = self.path.suffix.lower() in READ_ONLY_SUFFIXES
        self._stack = ExitStack()
        if not self.path.exists():
            raise DataError("workbook.missing", None, path=str(path))
        if self.path.is_dir():
            raise DataError("workbook.is_dir", None, path=str(path))
        self._sha: str | None = None
        if write:
            if self.readonly:
                raise DataError("workbook.readonly", None, path=self.name)
            refuse_if_open(self.path, force)
            if given.absolute() != self.path:
                refuse_if_open(given, force)  # an office program may have opened it by the link
            check_env()
            state = prepare_state(self.path)
            self._stack.enter_context(WriteLock(self.path))
            sweep_tmp(state / "tmp", self.path.name)  # left by a write that was killed: we hold the lock
        try:
            self._fingerprint = _fingerprint(self.path)
            if write:  # what was read, by content: a rewrite in place can keep size, time and inode
                self._sha = content_sha256(self.path)
        except OSError as exc:
            self._stack.close()
            raise DataError("workbook.corrupt", None, path=self.name, reason=os.strerror(exc.errno or 0)) from None
        self._calamine = None
        self._pkg: Package | None = None
        self._strings: SharedStrings | None = None
        try:
            self._open()
        except Exception:
            self._stack.close()
            raise
        self._tables: dict[str, Table] = {}
        self._edits: dict[str, _SheetEdits] = {}
        self._only_read: set[str] = set()  # registers this write reads and never changes (`only_reading`)
        self._journal: list[JournalEntry] = []
        self.before_replace: list[Callable[[], None]] = []  # run by a commit that writes, just before the replace

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for job, *_ in (*self.__dict__.pop("_ahead_rows", {}).values(), *self.__dict__.pop("_ahead_data", {}).values()):
            job.cancel()
        self._close_package()
        self._stack.close()

    def _close_package(self) -> None:
        if self._pkg is not None:
            self._pkg.close()
            self._pkg = None
        self._strings = None
        self._calamine = None

    def _open(self) -> None:
        """Open the package (xlsx: our own reader; .xls/.ods/.xlsb: calamine) and list its sheets."""
        if self.readonly:
            self._open_calamine()
            return
        try:
            self._pkg = Package(self.path)
        except EncryptedPackage:
            raise DataError("workbook.encrypted", None, path=self.name) from None
        except LegacyPackage:
            raise DataError("workbook.legacy", None, path=self.name) from None
        except StrictPackage:
            raise DataError("workbook.strict", None, path=self.name) from None
        except PackageError as exc:
            raise DataError("workbook.corrupt", None, path=self.name, reason=str(exc)) from None
        except Exception as exc:
            raise DataError("workbook.corrupt", None, path=self.name, reason=_short(exc)) from None
        self.sheet_names: list[str] = [s.name for s in self._pkg.sheets]

    def _open_calamine(self) -> None:
        from python_calamine import CalamineWorkbook

        try:
            self._calamine = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types for every kind of bad file
            if isinstance(_not_a_zip(self.path), EncryptedPackage):
                raise DataError("workbook.encrypted", None, path=self.name) from None
            raise DataError("workbook.corrupt", None, path=self.name, reason=_short(exc)) from None
        self.sheet_names = list(self._calamine.sheet_names)

    # -- reading -------------------------------------------------------------------------------

    def sheet_name(self, spec: schema.Sheet) -> str | None:
        """The workbook's name for a register, by its Chinese name, English key or an alias, compared
        ignoring spaces, width and case (`业主档案 `, `ｏｗｎｅｒｓ`). Two sheets that both match are an
        error naming both: reading either one silently could make a register's rows vanish."""
        wanted = {schema.norm_header(n) for n in spec.names()}
        found = [n for n in self.sheet_names if schema.norm_header(n) in wanted]
        if len(found) > 1:
            raise DataError("sheet.ambiguous", Location(self.name), sheet=spec.zh, count=len(found),
                            names=[f"「{n}」" for n in found])
        return found[0] if found else None

    def has(self, spec: schema.Sheet) -> bool:
        return self.sheet_name(spec) is not None

    def sheets_of(self, spec: schema.Sheet) -> list[str]:
        """The register's sheets in order: its own, then its continuations (应收账单2, 应收账单3 …)."""
        first = self.sheet_name(spec)
        if first is None:
            return []
        more = sorted((found[1], n) for n in self.sheet_names
                      if (found := schema.continuation_of(n)) is not None and found[0] is spec and n != first)
        for (a, name_a), (b, name_b) in zip(more, more[1:]):  # 应收账单2 and 应收账单 2: which holds the rows?
            if a == b:
                raise DataError("sheet.ambiguous", Location(self.name), sheet=name_a, count=2,
                                names=f"「{name_a}」、「{name_b}」")
        return [first, *(n for _, n in more)]

    def read(self, spec: schema.Sheet, *, required: bool = True, only: tuple[str, str] | None = None) -> Table:
        """The register's typed rows. A missing optional register reads as empty (a write creates it).

        `only=(key, identifier)` reads just the rows of one identifier (e.g. one unit), for speed; such a
        partial table is not kept for later reads. A register that continues over several sheets reads
        as one table, its rows in sheet order, each row knowing its sheet (`Row.sheet`).
        """
        if spec.key in self._tables:
            table = self._tables[spec.key]
            return table if only is None else _subset(table, only)
        names = self.sheets_of(spec)
        if not names:
            if required:
                raise DataError(
                    "sheet.missing", Location(self.name), sheet=spec.zh, english=spec.key,
                    found=list(self.sheet_names) or "—",
                )
            table = empty_table(spec, self.name)
        else:
            parts = [self._read_sheet(spec, name, only) for name in names]
            table = parts[0] if len(parts) == 1 else _merge(parts)
        if only is None:
            self._tables[spec.key] = table
        return table

    def columns(self, spec: schema.Sheet, keys: tuple[str, ...], *,
                problems: list[Problem] | None = None) -> dict[str, list]:
        """Some columns of a whole register, typed, aligned row by row over all its sheets: what a report
        over 200,000 bills needs, without building a Row for each. Rows blank in all of `keys` may be
        left out; blank or unreadable cells are None. A column the register lacks is all None. The key
        ROW_NUMBER ("_row") gives each value's row number in its sheet. `problems` collects the cells of
        `keys` that could not be read as their type (what `check types/dates` finds), located."""
        out: dict[str, list] = {k: [] for k in keys}
        wanted = tuple(k for k in keys if k != ROW_NUMBER)
        for name in self.sheets_of(spec):
            data = self._sheet_data(spec, name, wanted)
            if data is None:
                continue
            for k, values in self._checked(spec, data, keys, problems).items():
                out[k].extend(values)
        return out

    def column_pieces(self, spec: schema.Sheet, keys: tuple[str, ...], rows: int, *,
                      problems: list[Problem] | None = None) -> Iterator[dict[str, list]]:
        """`columns`, a piece of about `rows` rows at a time, for a register too big to hold whole beside
        what a command makes of it (publish of an L estate: 1.6 million bills, 16 columns). A sheet is read
        as it is inflated (`streamread.pieces`), whatever the read cache holds, and neither kept nor
        cached; one that cannot be (a write's, one `streamread` gives up on half-way) is read whole and
        given in pieces, after the rows already given. Each piece's money is checked as `columns` checks
        it, and its unreadable cells are added to `problems` as they come."""
        wanted = tuple(k for k in keys if k != ROW_NUMBER)
        for name in self.sheets_of(spec):
            for data in self._pieces(spec, name, wanted, rows):
                cols = self._checked(spec, data, keys, problems)
                n = len(data.numbers)
                step = rows if n >= 2 * rows else max(n, 1)  # a piece read as inflated is given as it is
                for i in range(0, n, step):
                    yield {k: v[i:i + step] for k, v in cols.items()}

    def _pieces(self, spec: schema.Sheet, name: str, wanted: tuple[str, ...], rows: int) -> Iterator[SheetData]:
        """One sheet's SheetData in pieces (`streamread.pieces`), or whole, or the rest of it whole."""
        part = self._streaming(name, reading=True, least=0) if self._held(spec, name) is None else None
        given = 0  # the last row given
        if part is not None:
            try:
                for data in streamread.pieces(self._pkg, part, self._strings, spec, name, self.name,  # type: ignore[arg-type]
                                              wanted, rows):
                    if data.numbers:
                        yield data
                        given = data.numbers[-1]
                return
            except Unsupported:
                pass  # the whole read decides: the rows after those given
            except MissingString as exc:
                raise self._missing_string(name, exc.count) from None
        data = self._sheet_data(spec, name, wanted)
        if data is None:
            return
        if given:
            data = data.after(given)
        yield data

    def _checked(self, spec: schema.Sheet, data: SheetData, keys: tuple[str, ...],
                 problems: list[Problem] | None) -> dict[str, list]:
        """The columns `keys` of one sheet's data (ROW_NUMBER its row numbers; a column it lacks all None),
        its amounts checked (`_refuse_bad_money`) and the cells that could not be read as their type added
        to `problems`, located."""
        n = len(data.numbers)
        wanted = [k for k in keys if k != ROW_NUMBER]
        money = {k for k in wanted if spec.column(k).kind is schema.Kind.MONEY}
        if money:
            self._refuse_bad_money(spec, data, money)
        if problems is not None:
            problems.extend(Problem("types", key, Location(self.name, data.name, row, data.headers.get(k) or spec.column(k).zh),
                                    raw, column_key=k) for row, k, key, raw in data.problems if k in wanted)
        return {k: data.numbers if k == ROW_NUMBER else data.values.get(k) or [None] * n for k in keys}

    def prefetch(self, *specs: schema.Sheet, edits: tuple[schema.Sheet, ...] = (), rows: bool = False) -> None:
        """The registers a command is about to read, in the order it reads them: the sheets the read cache
        does not hold start inflating on a second thread (`Package.prefetch`) while the first are scanned.
        `edits`: those a write will change — their XML is inflated too (the commit edits it), while the
        cache's columns load. `rows`: only some rows of each are read (a dossier): reading only, those
        are searched in the XML whatever the cache holds, so every sheet is inflated."""
        pkg = self._pkg
        if pkg is None or pkg.date1904:
            return
        parts = []
        for spec in specs:
            for name in self.sheets_of(spec):
                ref = pkg.sheet(name)
                if ref is not None and ((spec in edits and self._sha is not None) or (rows and self._sha is None)
                                        or self._cached(spec, name) is None):
                    parts.append(ref.part)
        if parts and self._strings is None and pkg.shared_strings_part:
            parts.insert(0, pkg.shared_strings_part)
        pkg.prefetch(parts)

    def search_ahead(self, specs: tuple[schema.Sheet, ...], only: tuple[str, str]) -> None:
        """The rows of one identifier in the big sheets of these registers that are read in pieces
        (`streamread`), all but the biggest read by a forked child on the second core while this process
        reads the biggest, here, before the caller reads the rest: inflating L's 1 GB of registers is the
        floor of a dossier. Each `read(spec, only=only)` takes its sheet's rows from the child (or reads
        it, if the child failed) or from this process's read."""
        if self._pkg is None or self._sha is not None or not twocore.worth_it(twocore.MIN_BYTES):
            return
        big = sorted(((self._pkg.infos[part].file_size, spec, name) for spec in specs for name in self.sheets_of(spec)
                      if (part := self._streaming(name)) and self._held(spec, name) is None),
                     key=lambda t: -t[0])
        theirs = [(spec, name) for _, spec, name in big[1:]]
        if not theirs:
            return
        if columns.searched(self._strings, theirs[0][0], *only):  # found once, here: the child inherits it
            unitsearch.matching_strings(self._strings, CONVERTERS[theirs[0][0].column(only[0]).kind], only[1])  # type: ignore[arg-type]
        job = _Ahead(twocore.Forked(self._rows_of, theirs, only))
        ahead = self.__dict__.setdefault("_ahead_rows", {})
        for i, (spec, name) in enumerate(theirs):
            ahead[(spec.key, name, only)] = (job, i)
        _, spec, name = big[0]  # this process's share, now: a caller reading in its own order would
        try:  # otherwise wait for the child first and read the biggest after it, one core idle
            mine = self._streamed_rows(spec, name, only=only)
        except (Unsupported, MissingString):
            return  # `read` meets it again and says what is wrong (or reads it another way)
        ahead[(spec.key, name, only)] = (_Ahead(None, [mine]), 0)

    def _rows_of(self, sheets: list[tuple[schema.Sheet, str]], only: tuple[str, str]) -> list[Table | None]:
        return [self._streamed_rows(spec, name, only=only) for spec, name in sheets]

    def columns_ahead(self, spec: schema.Sheet, keys: tuple[str, ...]) -> None:
        """Columns `keys` of a register's sheets but its biggest, read cold by a forked child on the
        second core while this process reads other registers, then the biggest here (on both cores):
        L's 应收账单 continues in 应收账单2, 230 MB of XML, which a report read after the owners, 催缴记录
        and 收款记录 while the second core had nothing to do. `columns(spec, keys)` takes each such sheet
        from the child (or reads it, if the child failed); the child's read is cached as this one's is."""
        pkg = self._pkg
        if pkg is None or pkg.date1904 or not twocore.worth_it(twocore.MIN_BYTES):
            return
        wanted = tuple(k for k in keys if k != ROW_NUMBER)
        ahead = self.__dict__.setdefault("_ahead_data", {})
        for name in self.sheets_of(spec):
            pending = ahead.get((spec.key, name))
            if pending is not None and not set(wanted) <= set(pending[2]):
                pending[0].cancel()  # asked again for more columns (账单号, once payments after the day
                for k in [k for k, v in ahead.items() if v[0] is pending[0]]:  # are found): read anew
                    del ahead[k]
        cold = sorted(((pkg.infos[part].file_size, name) for name in self.sheets_of(spec)
                       if (spec.key, name) not in ahead and not _serves(self._cached(spec, name), wanted)
                       and (part := self._streaming(name, reading=spec.key in self._only_read, strings=False))),
                      reverse=True)
        theirs = [name for _, name in cold[1:]]
        if not theirs:
            return
        pkg.date_styles()  # read here, once: the child inherits them (it loads the shared strings itself,
                           # while this process does: L's take a third of a second)
        job = _Ahead(twocore.Forked(self._data_of, spec, theirs, wanted, os.getpid()))
        for i, name in enumerate(theirs):
            ahead[(spec.key, name)] = (job, i, wanted)

    def _data_of(self, spec: schema.Sheet, names: list[str], keys: tuple[str, ...],
                 parent: int) -> list[SheetData | None]:
        if os.getpid() == parent:
            return []  # the child failed: each sheet is read when its turn comes
        os.environ["PROPCLI_CORES"] = "1"  # this child is the second core: it forks none of its own
        return [self._sheet_data(spec, name, keys) for name in names]

    def only_reading(self, *specs: schema.Sheet) -> None:
        """Registers this write reads but does not change: their big sheets are read as they are inflated,
        and their XML let go, as a command that only reads reads them (a batch of notices reads L's 1.6
        million bills to add rows to 通知记录: read whole, as a write reads what it edits, they took 1.8 GB).
        Changing one after all stays correct: the commit inflates what it edits."""
        self._only_read.update(s.key for s in specs)

    def forget(self, spec: schema.Sheet) -> None:
        """Let go of what was read of a register (its rows, its columns): a command that walks every
        register of a big estate (publish) holds one at a time. A later read takes it from the read cache.
        The XML of its sheets goes too, unless a change to one is staged (a read of a few rows, `rows`,
        keeps it for a write: 收款记录's on L is ~100 MB)."""
        self._tables.pop(spec.key, None)
        memo = self.__dict__.get("_data", {})
        for key in [k for k in memo if k[0] == spec.key]:
            del memo[key]
        if self._pkg is not None:
            for name in self.sheets_of(spec):
                ref = self._pkg.sheet(name)
                if ref is not None and name not in self._edits:
                    self._pkg.forget(ref.part)

    def in_cache(self, spec: schema.Sheet) -> bool:
        """Whether the read cache holds every sheet of this register as the workbook is now (an entry
        found, not loaded: a damaged one is still read when it is asked for)."""
        keys = [self._cache_key(spec, name) for name in self.sheets_of(spec)]
        return all(k is not None and cache.has(self.path, k) for k in keys)

    def xml_size(self, spec: schema.Sheet) -> int:
        """The bytes of XML of this register's sheets (0 for a workbook not read from its XML)."""
        pkg = self._pkg
        refs = [pkg.sheet(name) for name in self.sheets_of(spec)] if pkg is not None else []
        return sum(pkg.infos[r.part].file_size for r in refs if r is not None and r.part in pkg.infos)  # type: ignore[union-attr]

    def money_ceiling(self) -> Decimal:
        """小区信息 › 金额上限: no amount typed, billed or summed may be above it (a bad setting is named)."""
        from .normalize import ValueProblem, money_ceiling

        try:
            return money_ceiling(self.settings().get("money_ceiling"))
        except ValueProblem as exc:
            raise located(exc, Location(self.name, schema.ESTATE.zh, column="金额上限")) from None

    def _refuse_bad_money(self, spec: schema.Sheet, data: SheetData, money: set[str]) -> None:
        """A sum over an amount that is not one (NaN, 1e309, 1.234, text, above 小区信息 › 金额上限) would be
        a wrong total or a crash: the first such cell stops the report, named."""
        def where(row: int, key: str) -> Location:
            return Location(self.name, data.name, row, data.headers.get(key) or spec.column(key).zh)

        bad = next((p for p in data.problems if p[1] in money), None)
        if bad is not None:
            raise DataError(bad[2], where(bad[0], bad[1]), value=repr(str(bad[3])))
        ceiling = self.money_ceiling()
        for key in money:
            low, high = data.bounds.get(key, (None, None))
            if low is not None and max(high, -low) <= ceiling:  # every cell of the column within it
                continue
            values = data.values.get(key) or []
            amounts = list(filter(None, values))  # None and 0: no matter; max and min compare, abs would copy
            if amounts and max(max(amounts), -min(amounts)) > ceiling:
                i = next(i for i, v in enumerate(values) if v is not None and abs(v) > ceiling)
                raise DataError("value.above_ceiling", where(data.numbers[i], key), value=repr(str(values[i])),
                                ceiling=f"{ceiling:,.2f}")

    def last_value(self, spec: schema.Sheet, key: str) -> object:
        """The typed value of the last cell of column `key` in the register's last sheet — the day of the
        last payment, which tells a report for an earlier day what it will read — from the read cache,
        or found from the end of the sheet's XML. None when it is blank or cannot be read, or cannot be
        told cheaply (a sheet read in pieces as it is inflated, too big to hold for this)."""
        names = self.sheets_of(spec)
        if not names:
            return None
        held = self._cached(spec, names[-1])
        if held is not None and key in held.values:
            return next((v for v in reversed(held.values[key]) if v is not None), None)
        pkg = self._pkg
        ref = pkg.sheet(names[-1]) if pkg is not None else None
        if pkg is None or ref is None or pkg.date1904 or pkg.streamable(ref.part):
            return None
        try:
            return columns.last_cell(self._scan(names[-1]), spec, names[-1], self.name, key)
        except (Unsupported, DataError, MissingString):
            return None

    def rows_mentioning(self, spec: schema.Sheet, key: str, word: str) -> list[int] | None:
        """The rows of a one-sheet register whose `key` cell may hold `word` in its text, found by searching
        the sheet XML (`unitsearch.rows_mentioning`: every row that does, perhaps a few more). None when
        the read cache holds that column (reading it costs less), or the sheet is not searched so (a big
        part read in pieces, several sheets, the 1904 date system, another form): read the column then."""
        names = self.sheets_of(spec)
        pkg = self._pkg
        if len(names) != 1 or pkg is None or pkg.date1904 or (ref := pkg.sheet(names[0])) is None:
            return None
        cached = self._cached(spec, names[0])
        if (cached is not None and key in cached.values) or pkg.streamable(ref.part):
            return None
        try:
            scan = self._scan(names[0])
            found = header_of(scan, spec, names[0], self.name)
            if found is None or key not in found[1]:
                return None
            return unitsearch.rows_mentioning(scan, col_letter(found[1][key]).encode(), word, found[0])
        except Unsupported:
            return None
        except MissingString as exc:
            raise self._missing_string(names[0], exc.count) from None

    def rows(self, spec: schema.Sheet, numbers: Iterable[int]) -> Table:
        """Some rows of a register in one sheet, by row number, typed, as a partial table (not kept):
        the few rows a column read (`columns(…, ROW_NUMBER)`) pointed at."""
        numbers = list(numbers)
        names = self.sheets_of(spec)
        if len(names) == 1 and self._pkg is not None and self._pkg.sheet(names[0]) is not None:
            try:
                return scan_rows(self._scan(names[0]), spec, names[0], self.name, numbers)
            except Unsupported:
                pass
            except MissingString as exc:
                raise self._missing_string(names[0], exc.count) from None
        wanted = set(numbers)
        table = self.read(spec, required=False)
        first = names[0] if names else None
        return replace(table, rows=[r for r in table.rows if r.number in wanted and r.sheet in (None, first)],
                       partial=True)

    # -- reading one sheet: the read cache, then the sheet XML, then calamine ----------------------

    def _read_sheet(self, spec: schema.Sheet, name: str, only: tuple[str, str] | None) -> Table:
        if self._pkg is not None and self._pkg.sheet(name) is not None:
            if only is None:
                data = self._sheet_data(spec, name, None)
                if data is not None:
                    return data.table(spec, self.name)
            else:
                # an identifier: what this command holds already, not the read cache's entry (unpickling M's
                # 应收账单, 25 MB, costs more than searching its XML for the unit's cells) — but a write loads
                # it, for its commit to write the entry through, unless the part is too big to hold (L's
                # 应收账单: its columns and its XML would take the memory a command may use)
                searching = unitsearch.searchable(only[1]) and spec.column(only[0]).kind is schema.Kind.ID and \
                    (self._sha is None or self._streaming(name, rows=True) is not None)
                cached = self._held(spec, name) if searching else self._cached(spec, name)
                if cached is not None and cached.complete:
                    return cached.only(spec, self.name, *only)
                try:
                    if cached is not None and only[0] in cached.values:  # a report's columns name the rows
                        numbers = [cached.numbers[i] for i in cached.subset(*only)]
                        table = self._streamed_rows(spec, name, numbers=numbers)
                        return scan_rows(self._scan(name), spec, name, self.name, numbers) if table is None else table
                    ahead = self.__dict__.get("_ahead_rows", {}).pop((spec.key, name, only), None)
                    table = ahead[0].table(ahead[1]) if ahead is not None else None  # `search_ahead`'s
                    if table is None:
                        table = self._streamed_rows(spec, name, only=only)
                    if table is not None:
                        return table
                    return scan_only(self._scan(name), spec, name, self.name, *only)  # the cells that can hold it
                except Unsupported:
                    pass
                except MissingString as exc:
                    raise self._missing_string(name, exc.count) from None
        return self._read_calamine(spec, name, only)

    def _cache_key(self, spec: schema.Sheet, name: str) -> str | None:
        if self._pkg is None or self._pkg.date1904:
            return None
        ref = self._pkg.sheet(name)
        if ref is None or ref.part not in self._pkg.infos:
            return None
        keys = self.__dict__.setdefault("_cache_keys", {})
        if (spec.key, name) not in keys:
            keys[(spec.key, name)] = cache.key(self._pkg, spec, name, ref.part, self._digest)
        return keys[(spec.key, name)]

    def _digest(self, member: str) -> bytes:
        digests = self.__dict__.setdefault("_digests", {})
        if member not in digests:
            digests[member] = self._pkg.digest(member)  # type: ignore[union-attr]
        return digests[member]

    def _held(self, spec: schema.Sheet, name: str) -> SheetData | None:
        return self.__dict__.get("_data", {}).get((spec.key, name))

    def _cached(self, spec: schema.Sheet, name: str) -> SheetData | None:
        memo = self.__dict__.setdefault("_data", {})
        if (spec.key, name) in memo:
            return memo[(spec.key, name)]
        key = self._cache_key(spec, name)
        data = cache.load(self.path, key) if key else None
        if data is not None:
            memo[(spec.key, name)] = data
        return data

    def _sheet_data(self, spec: schema.Sheet, name: str, keys: tuple[str, ...] | None) -> SheetData | None:
        """The typed columns of one sheet (all, or at least `keys`): from the cache when it holds this
        very content, else read (and cached). None for a blank sheet."""
        ahead = self.__dict__.get("_ahead_data", {}).pop((spec.key, name), None)
        data = ahead[0].table(ahead[1]) if ahead is not None else self._cached(spec, name)  # `columns_ahead`'s
        if _serves(data, keys):
            self.__dict__.setdefault("_data", {})[(spec.key, name)] = data
            return data
        data = None
        if self._pkg is not None and not self._pkg.date1904:
            try:
                data = self._streamed(spec, name, keys)
                if data is None:
                    data = scan_data(self._scan(name), spec, name, self.name, keys)
            except Unsupported:
                data = None
            except MissingString as exc:
                raise self._missing_string(name, exc.count) from None
            if data is not None and (self._sha is None or spec.key in self._only_read):  # the XML is not needed again
                self._pkg.forget(self._pkg.sheet(name).part)  # type: ignore[union-attr]
        if data is None:
            table = self._read_calamine(spec, name, None)
            if table.header_row == 0:
                return None
            data = SheetData.from_table(table)
        self.__dict__.setdefault("_data", {})[(spec.key, name)] = data
        key = self._cache_key(spec, name)
        if key:
            cache.store(self.path, key, data)
        return data

    def _streamed(self, spec: schema.Sheet, name: str, keys: tuple[str, ...] | None) -> SheetData | None:
        """A part too big to hold beside another, read as it is inflated (`streamread`) when only reading
        (a write edits the whole XML); None: read it whole."""
        part = self._streaming(name, reading=spec.key in self._only_read)
        return None if part is None else streamread.read(self._pkg, part, self._strings, spec, name, self.name,  # type: ignore[arg-type]
                                                         keys)

    def _streamed_rows(self, spec: schema.Sheet, name: str, *, only: tuple[str, str] | None = None,
                       numbers: list[int] | None = None) -> Table | None:
        """Some rows of such a part (`only` one identifier's, or these `numbers`), kept as it is inflated."""
        part = self._streaming(name, rows=True)
        return None if part is None else streamread.rows(self._pkg, part, self._strings, spec, name, self.name,  # type: ignore[arg-type]
                                                         only=only, numbers=numbers)

    def _streaming(self, name: str, *, rows: bool = False, reading: bool = False, strings: bool = True,
                   least: int | None = None) -> str | None:
        """The part of a sheet to read as it is inflated, or None (a part small enough to hold; a write's
        read of whole columns). A write's read of some rows (`rows`), or of a register it only reads
        (`reading`), streams too: the commit inflates only the parts it edits, and the content read is the
        content written over (`_check_unchanged`). `strings`: load the shared strings now (a read that
        streams needs them; a child forked to read does that itself). `least`: stream a part above this
        size (`Package.streamable`; a read in pieces asks for any)."""
        pkg = self._pkg
        ref = pkg.sheet(name) if pkg is not None else None
        if (pkg is None or ref is None or (self._sha is not None and not (rows or reading)) or pkg.date1904
                or not pkg.streamable(ref.part, least)):
            return None
        if not strings:
            return ref.part
        try:
            self._shared_strings()
        except (PackageError, ValueError, ET.ParseError):
            return None  # the whole read says what is wrong
        return ref.part

    def _shared_strings(self) -> None:
        pkg = self._pkg
        assert pkg is not None
        if self._strings is None:
            part = pkg.shared_strings_part
            self._strings = SharedStrings(pkg.read(part) if part and part in pkg.infos else None)
            pkg.forget(part)  # the entries are kept, the XML they came from is not (a write adds text inline)

    def _scan(self, name: str) -> SheetScan:
        pkg = self._pkg
        assert pkg is not None
        if pkg.date1904:
            raise Unsupported("1904 date system")
        ref = pkg.sheet(name)
        assert ref is not None
        try:
            self._shared_strings()
            return SheetScan(pkg.read(ref.part), self._strings, pkg.date_styles())
        except (PackageError, ValueError, ET.ParseError) as exc:
            raise Unsupported(str(exc)) from None

    def _read_calamine(self, spec: schema.Sheet, name: str, only: tuple[str, str] | None) -> Table:
        if self._calamine is None:
            self._open_calamine()
        try:
            grid = self._calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            if "shared string" in str(exc).lower() and self._pkg is not None:
                raise self._missing_string(name, None) from None
            if "error value" in str(exc).lower() and self._pkg is not None:  # #SPILL!, #CALC!: newer than calamine
                raise self._error_cell(name, str(exc)) from None
            raise DataError("workbook.corrupt", None, path=self.name, reason=_short(exc)) from None
        grid = self._with_error_cells(name, grid)
        if all(is_blank(v) for cells in grid for v in cells):  # an empty sheet: the first write heads it
            return replace(empty_table(spec, self.name), name=name)
        return build_table(grid, spec, name, self.name, only=only)

    def _with_error_cells(self, name: str, grid: list[list[object]]) -> list[list[object]]:
        """calamine reads an error cell (`#N/A`, `#REF!`) as blank; put it back from the sheet XML, so that
        both readers give the same and `check` can name it."""
        ref = self._pkg.sheet(name) if self._pkg is not None else None
        if ref is None or ref.part not in self._pkg.infos:  # type: ignore[union-attr]
            return grid
        data = self._pkg.read(ref.part)  # type: ignore[union-attr]
        if b't="e"' not in data:
            return grid
        for m in ERROR_CELL.finditer(data):
            v = _V_TEXT.search(m.group(3))
            if v is None:
                continue
            row, col = int(m.group(2)) - 1, col_index(m.group(1).decode())
            while len(grid) <= row:
                grid.append([])
            cells = grid[row]
            if len(cells) <= col:
                cells.extend([""] * (col + 1 - len(cells)))
            cells[col] = CellError(v.group(1).decode("utf-8", "replace").strip())
        return grid

    def _error_cell(self, name: str, reason: str) -> DataError:
        """The error cell the general reader (calamine) could not read, located from the sheet XML."""
        ref = self._pkg.sheet(name) if self._pkg is not None else None
        data = self._pkg.read(ref.part) if ref is not None else b""  # type: ignore[union-attr]
        for m in ERROR_CELL.finditer(data):
            v = _V_TEXT.search(m.group(3))
            text = v.group(1).decode("utf-8", "replace").strip() if v else ""
            if text and f"'{text}'" in reason:
                return DataError("value.error_cell", Location(self.name, name, int(m.group(2)),
                                                              (m.group(1) + m.group(2)).decode()), value=repr(text))
        return DataError("workbook.corrupt", None, path=self.name, reason=_short(Exception(reason)))

    def _missing_string(self, name: str, count: int | None) -> DataError:
        """The error for a sheet's cell whose shared string is not there: no shared-strings part, or an
        index past its end. Located at the first such cell."""
        pkg = self._pkg
        assert pkg is not None
        present = bool(pkg.shared_strings_part) and pkg.shared_strings_part in pkg.infos
        if count is None:
            count = len(SharedStrings(pkg.read(pkg.shared_strings_part))) if present else 0
        key = "workbook.shared_string" if present else "workbook.no_shared_strings"
        ref = pkg.sheet(name)
        for m in _SHARED_CELL.finditer(pkg.read(ref.part) if ref is not None else b""):
            if int(m.group(3)) >= count:
                return DataError(key, Location(self.name, name, int(m.group(2))), cell=(m.group(1) + m.group(2)).decode(),
                                 index=int(m.group(3)), count=count)
        return DataError(key, Location(self.name, name), cell="—", index="—", count=count)

    def settings(self) -> dict[str, str]:
        """小区信息 as key → text value (keys of schema.ESTATE_SETTINGS; unknown labels kept as written)."""
        table = self.read(schema.ESTATE, required=False)
        by_label = {schema.norm_header(label): key for key, label, _ in schema.ESTATE_SETTINGS}
        by_label.update({schema.norm_header(key): key for key, _, _ in schema.ESTATE_SETTINGS})
        out = {key: default for key, _, default in schema.ESTATE_SETTINGS}
        for row in table.rows:
            label = row.values.get("item")
            if label:
                out[by_label.get(schema.norm_header(label), str(label))] = display(row.values.get("value"))
        return out

    # -- staging changes -----------------------------------------------------------------------

    def _edits_for(self, table: Table) -> _SheetEdits:
        if table.name not in self._edits:
            self._edits[table.name] = _SheetEdits(table)
        return self._edits[table.name]

    def _column(self, edits: _SheetEdits, key: str) -> int:
        table = edits.table
        if key not in table.columns:  # the clerk's sheet lacks this column: add its header at the end
            idx = max([table.width, *(i + 1 for i in table.columns.values())])
            table.columns[key] = idx
            table.headers[key] = table.spec.column(key).zh
            table.width = idx + 1
            edits.new_headers[idx] = table.spec.column(key).zh
        return table.columns[key]

    def update(self, table: Table, row: Row, changes: Mapping[str, object], key: str, *,
               rewrite: bool = False) -> bool:
        """Stage new values for some cells of one row; journal what changes. False when nothing does.

        `rewrite` writes cells whose typed value is already right but whose stored text is not (a
        `--fix` of stray spaces); the journal then shows the text as it was stored.
        """
        old = row.raw if rewrite else row.values
        diff = {k: v for k, v in changes.items() if old.get(k) != v}
        if not diff:
            return False
        edits = self._edits_for(_part_of(table, row))
        cells = edits.updates.setdefault(row.number, {})
        for k, v in diff.items():
            cells[self._column(edits, k)] = v
        self._journal.append(JournalEntry(
            table.name, key, _describe(table.spec, {k: old.get(k) for k in diff}, empty=True),
            _describe(table.spec, diff, empty=True),
            _fields(table.spec, {k: old.get(k) for k in diff}, diff),
        ))
        for k, v in diff.items():
            row.values[k] = v
        return True

    def append(self, table: Table, records: Iterable[Mapping[str, object]], key_column: str | None = None,
               journal: bool = True) -> None:
        """Stage new rows at the end of a register (its last sheet; a full sheet continues in a new one)."""
        edits = self._edits_for(table.parts[-1] if table.parts else table)
        for record in records:
            edits.appends.append({self._column(edits, k): v for k, v in record.items() if v is not None})
            if journal:
                key = display(record.get(key_column)) if key_column else ""
                self._journal.append(JournalEntry(table.name, key, "", _describe(table.spec, record),
                                                  _fields(table.spec, {}, record)))

    def log(self, sheet: str, key: str, before: str, after: str) -> None:
        """Stage a journal row that goes with no cell change (e.g. an undo)."""
        self._journal.append(JournalEntry(sheet, key, before, after))

    # -- committing ----------------------------------------------------------------------------

    def commit(self, command: str, *, dry_run: bool = False, operator: str | None = None,
               record_history: bool = True) -> CommitResult:
        """Write the staged changes (and their journal rows) in one atomic replace of the workbook."""
        entries = list(self._journal)
        if dry_run or not (self._edits or self._journal):
            return CommitResult(entries, written=False)
        with signals.deferred():  # once a commit starts it finishes, and the command says what it did
            return self._commit(command, entries, operator, record_history)

    def _commit(self, command: str, entries: list[JournalEntry], operator: str | None,
                record_history: bool) -> CommitResult:
        if self.readonly:
            raise DataError("workbook.readonly", None, path=self.name)
        refuse_if_open(self.path, self.force)
        self._check_unchanged(content=False)  # the content is compared before the replace (below)
        operator = operator or current_operator()
        now = dt.datetime.now().replace(microsecond=0)
        journal = self.read(schema.JOURNAL, required=False, only=HEADER_ONLY)  # a long journal is not typed
        self.append(journal, (
            {"time": now, "operator": operator, "command": command, "sheet": e.sheet, "key": e.key,
             "before": e.before, "after": e.after}
            for e in entries
        ), journal=False)

        state = prepare_state(self.path)
        tmp = state / "tmp" / f"{self.path.name}.{os.getpid()}.tmp"
        try:  # the package read so far: the file checked unchanged above, its parts already inflated
            pkg = self._pkg or Package(self.path)
        except PackageError as exc:
            raise DataError("workbook.corrupt", None, path=self.name, reason=str(exc)) from None
        try:  # whatever fails before the replace leaves the workbook as it was and no temporary file
            try:
                if any((ref := pkg.sheet(name)) is not None and pkg.streamable(ref.part) for name in self._edits):
                    # a part too big to hold beside another is edited (L's 应收账单, 421 MB of XML): the shared
                    # strings read (L's: 95 MB of XML, 300 MB as text) go first; a row read back for the
                    # cache reads them again only if it refers to one (`_LazyStrings`: new text is inline)
                    self._strings = None
                replace, add = self._render(pkg)
                # new text is written inline: the shared strings are copied as stored, and stay read
                strings = self._strings if pkg.shared_strings_part not in {*replace, *add} else None
                pkg.forget_inflated()  # what was read: unchanged parts are copied as stored
                digest = self._write_tmp(pkg, tmp, replace, add)
                replace = add = {}  # written: the new XML (98 MB for M's 应收账单) is not held any longer
            except PackageError as exc:  # the parts copied as they are could not be: changed under us?
                self._check_unchanged()
                raise DataError("workbook.corrupt", None, path=self.name, reason=str(exc)) from None
            finally:
                if pkg is not self._pkg:
                    pkg.close()
            self._check_unchanged()  # again, just before the replace: a change while we rendered
            for hook in self.before_replace:
                hook()
            self.before_replace.clear()
            backup = self._backup(state, now)
            self._install(tmp, backup)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)
        self._fingerprint = _fingerprint(self.path)
        self._sha = digest
        if record_history:
            _append_history(state, {
                "workbook": self.path.name, "time": now.isoformat(), "command": command, "operator": operator,
                "backup": backup.name, "sha256": digest, "changes": len(entries),
            })
        self._edits.clear()
        self._journal.clear()
        self._tables.clear()
        known = self.__dict__.pop("_data", {})
        old_keys = self.__dict__.pop("_cache_keys", {})
        self.__dict__.pop("_digests", None)
        self._close_package()
        self._open()
        self._strings = strings
        self._write_through(known, old_keys)
        return CommitResult(entries, written=True, backup=backup)

    def _write_through(self, known: dict, old_keys: dict) -> None:
        """Cache the sheets just written, from what was read and what was written: the next command
        finds the new workbook warm. Each entry is the old sheet's columns with the rewritten and new
        rows read back from the XML just written (by the code a read uses), so it is what a read of the
        new file would give; anything unusual (headers changed, a row blanked) is left to that read. A sheet
        this commit did not touch keeps what was read of it: a long run of several commits (month-end) reads
        the 240,000 bills once, not after every commit."""
        rendered = self.__dict__.pop("_rendered", {})
        for (key, name), data in known.items():
            spec = schema.BY_KEY[key]
            if name not in rendered:
                self.__dict__.setdefault("_data", {})[(key, name)] = data
                continue
            xml, header_changed = rendered[name]
            if header_changed:
                continue
            try:
                new = updated(data, spec, xml, self._strings_for_write_through())
            except (Unsupported, MissingString):
                continue
            if new is None:
                continue
            self.__dict__.setdefault("_data", {})[(key, name)] = new
            cache_key = self._cache_key(spec, name)
            if cache_key:  # stored as what changed since the entry read, when that entry is in the cache
                base = old_keys.get((key, name))
                cache.store(self.path, cache_key, new, base=(base, data, rewritten(data, xml)) if base else None)

    def _strings_for_write_through(self) -> _LazyStrings:
        return _LazyStrings(self)

    def _write_tmp(self, pkg: Package, tmp: Path, replace: dict[str, bytes], add: dict[str, bytes]) -> str:
        """The new workbook, whole and on the disk, in the temporary file; its SHA-256."""
        with os_errors(tmp):
            with open(tmp, "wb") as out:
                digest = pkg.write(out, replace, add)
                out.flush()
                os.fsync(out.fileno())
            shutil.copymode(self.path, tmp)  # a shared folder's group-writable workbook stays so
        return digest

    def _install(self, tmp: Path, backup: Path) -> None:
        """The new workbook in place of the old; then, and only then, the oldest backups go. A replace
        that fails (or is interrupted) takes back the backup made for it."""
        try:
            self._replace(tmp)
        except BaseException:
            backup.unlink(missing_ok=True)
            raise
        _prune(backup.parent, self.path, keep_backups())

    def _replace(self, tmp: Path) -> None:
        """The one atomic step: the new workbook takes the old one's name (of the real file)."""
        with os_errors(self.path):
            os.replace(tmp, self.path)

    def _check_unchanged(self, *, content: bool = True) -> None:
        """Nobody changed the workbook since it was read: its size, time and inode, and its content (a
        program that rewrites the file in place within the same second keeps the first three).
        `content=False`: the first three only, when the content was held at opening (a commit's early
        look; its last one compares all)."""
        try:
            same = _fingerprint(self.path) == self._fingerprint
            if self._sha is not None:
                if same and content:
                    same = content_sha256(self.path) == self._sha
            elif same:  # opened for reading only: from now on, at least, the content is held
                self._sha = content_sha256(self.path)
        except OSError:
            same = False
        if not same:
            raise WorkbookBusy("busy.changed", None, path=self.name)

    def _render(self, pkg: Package) -> tuple[dict[str, bytes], dict[str, bytes]]:
        replace: dict[str, bytes] = {}
        add: dict[str, bytes] = {}
        for name, edits in self._edits.items():
            table = edits.table
            ref = pkg.sheet(name)
            if ref is None:  # a register the workbook lacks: a new last sheet with the schema's headers
                header = [table.headers.get(c.key, c.zh) for c in table.spec.columns]
                r, a = add_sheet_parts(pkg, name, new_sheet_xml(header), replace, add)
                replace.update(r)
                add.update(a)
                part = next(iter(a))
                xml = SheetXml(add[part], pkg.date_styles())
                header_row = 1
            else:
                part = ref.part
                xml = SheetXml(pkg.read(part), pkg.date_styles())
                header_row = table.header_row
                if header_row == 0:  # the sheet is there but blank: write the schema's headers first
                    xml.set_cells(1, {i: table.headers.get(c.key, c.zh) for i, c in enumerate(table.spec.columns)})
                    header_row = 1
            if edits.new_headers:
                xml.set_cells(header_row, edits.new_headers, template_row=header_row)
            for number, cells in edits.updates.items():
                for col in cells:
                    if xml.is_formula(number, col):
                        raise DataError("write.formula", table.location(number), cell=f"{col_letter(col)}{number}")
                xml.set_cells(number, cells)
            rest: list = []
            if edits.appends:
                first = max(xml.last_used_row(), header_row) + 1
                limit = sheet_rows()
                room = max(0, limit - first + 1)
                here, rest = edits.appends[:room], edits.appends[room:]
                if table.partial:  # rows were left out of the read: the sheet's last row is the model
                    template = first - 1 if first - 1 > header_row else None
                else:  # the last data row, not a 合计 row below it
                    template = table.rows[-1].number if table.rows else None
                if here:
                    xml.append_rows(here, at=first, template=template)
            (add if part in add else replace)[part] = xml.to_pieces()  # type: ignore[assignment]
            self.__dict__.setdefault("_rendered", {})[name] = (xml, bool(edits.new_headers) or ref is None
                                                               or table.header_row == 0)
            if rest:
                self._continue(pkg, table, xml, header_row, template, rest, replace, add)
            # rendered: the XML it was made from is not needed to write (unchanged parts are copied as
            # stored) nor to update the read cache (the rows written are): one version of M's 98 MB
            # 应收账单 is held at a time, not two beside the next sheet's
            pkg.forget(part)
            xml.let_go()
        return replace, add

    def _continue(self, pkg: Package, table: Table, xml: SheetXml, header_row: int, template: int | None,
                  rows: list, replace: dict[str, bytes], add: dict[str, bytes]) -> None:
        """Rows that do not fit in the register's last sheet go to new continuation sheets (应收账单2 …),
        headed like that sheet, in its column widths and formats, rows formatted like its last data row."""
        spec = table.spec
        first = self.sheet_name(spec) or table.name
        english = schema.norm_header(first) == schema.norm_header(spec.key)
        taken = set(self.sheet_names) | {s.name for s in pkg.sheets}
        n = max([1, *(c[1] for name in taken if (c := schema.continuation_of(name)) and c[0] is spec)])
        model = xml.model(template) if template else {}
        head = xml.continuation(header_row)
        per_sheet = sheet_rows() - header_row
        if per_sheet < 1:
            raise DataError("write.sheet_full", table.location(), sheet=table.name, rows=sheet_rows())
        while rows:
            n += 1
            name = schema.continuation_name(spec, n, english=english)
            r, a = add_sheet_parts(pkg, name, head, replace, add)
            part = next(iter(a))
            replace.update(r)
            add.update(a)
            self.sheet_names.append(name)
            new = SheetXml(a[part], pkg.date_styles())
            new.append_rows(rows[:per_sheet], at=header_row + 1, model=model)
            add[part] = new.to_bytes()
            rows = rows[per_sheet:]

    def _backup(self, state: Path, now: dt.datetime) -> Path:
        """The version about to be replaced, kept in `.propcli/backups/`: a hard link of the real file (its
        bytes, without a copy) or, where links are not possible, a whole copy — never a half one."""
        folder = state_dir(self.path, "backups")
        stamp = now.strftime("%Y%m%d-%H%M%S")
        backup = folder / f"{self.path.stem}.{stamp}{self.path.suffix}"
        n = 1
        while backup.exists() or backup.is_symlink():
            n += 1
            backup = folder / f"{self.path.stem}.{stamp}-{n}{self.path.suffix}"
        try:
            os.link(self.path, backup)
        except OSError:
            try:
                shutil.copy2(self.path, backup)
            except OSError as exc:
                backup.unlink(missing_ok=True)
                raise os_error(exc, backup) from None
        return backup


def _serves(data: SheetData | None, keys: tuple[str, ...] | None) -> bool:
    """Whether these columns of a sheet, read before, hold what a read of `keys` (None: all) asks for."""
    return data is not None and (data.complete or (keys is not None and all(
        k in data.values or k not in data.columns for k in keys)))


class _Ahead:
    """What a forked child reads of several sheets (a unit's rows, `Workbook.search_ahead`; columns,
    `Workbook.columns_ahead`), or what this process read of one already: each sheet takes its own. A child
    that failed gives none (the sheet is read where it is asked for)."""

    def __init__(self, job: twocore.Forked | None, tables: list | None = None) -> None:
        self.job = job  # None: the tables read already, by this process
        self.tables = tables

    def table(self, i: int):  # type: ignore[no-untyped-def]  # a Table or SheetData, or None
        if self.tables is None:
            assert self.job is not None
            self.tables = self.job.result()
        return self.tables[i] if i < len(self.tables) else None

    def cancel(self) -> None:
        if self.tables is None:
            self.tables = []
            assert self.job is not None
            self.job.cancel()


class _LazyStrings:
    """The shared strings, loaded only if a row read back refers to one (new text is written inline)."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb

    def __getitem__(self, i: int) -> str:
        wb = self.wb
        if wb._strings is None:
            pkg = wb._pkg
            assert pkg is not None
            part = pkg.shared_strings_part
            wb._strings = SharedStrings(pkg.read(part) if part and part in pkg.infos else None)
        return wb._strings[i]


def sheet_rows() -> int:
    """Rows a sheet may hold before a register continues in the next one: Excel's 1,048,576.
    `PROPCLI_SHEET_ROWS` lowers it, for tests that fill a sheet in a moment."""
    return env_count("PROPCLI_SHEET_ROWS", MAX_ROWS, 2, MAX_ROWS)


def _part_of(table: Table, row: Row) -> Table:
    """The sheet (of a register that continues) that holds `row`."""
    if not table.parts:
        return table
    return next((p for p in table.parts if p.name == row.sheet), table.parts[0])


def _merge(parts: list[Table]) -> Table:
    """One table over the sheets of a register that continues (应收账单, 应收账单2 …)."""
    first = parts[0]
    rows: list[Row] = []
    for part in parts:
        for row in part.rows:
            row.sheet = part.name
        rows.extend(part.rows)
    return replace(first, rows=rows, problems=[p for part in parts for p in part.problems],
                   last_row=parts[-1].last_row, partial=any(p.partial for p in parts), parts=parts)


def _subset(table: Table, only: tuple[str, str]) -> Table:
    key, value = only
    rows = [r for r in table.rows if r.values.get(key) == value]
    numbers = {r.number for r in rows}
    return replace(table, rows=rows, problems=[p for p in table.problems if p.location.row in numbers])


EMPTY = "（空）"


def _describe(spec: schema.Sheet, values: Mapping[str, object], empty: bool = False) -> str:
    """`联系电话: 139…; 备注: （空）` — with `empty`, a blank field is named too (an update that clears it)."""
    names = {c.key: c.zh for c in spec.columns}
    return "; ".join(f"{names.get(k, k)}: {display(v) if v is not None else EMPTY}"
                     for k, v in values.items() if v is not None or empty)


def _fields(spec: schema.Sheet, before: Mapping[str, object], after: Mapping[str, object]) -> tuple[FieldChange, ...]:
    """The fields a change touches, each with its header and kind (a new row: the fields it fills)."""
    columns = {c.key: c for c in spec.columns}
    out = []
    for k in dict.fromkeys([*before, *after]):
        b, a = before.get(k), after.get(k)
        if b is None and a is None:
            continue
        c = columns.get(k)
        out.append(FieldChange(c.zh if c else k, c.kind.value if c else "text", b, a))
    return tuple(out)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def current_operator() -> str:
    return os.environ.get("PROPCLI_OPERATOR") or getpass.getuser()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _prune(folder: Path, workbook: Path, keep: int) -> None:
    mine = sorted(folder.glob(f"{workbook.stem}.*{workbook.suffix}"), key=lambda p: p.stat().st_mtime_ns)
    for old in mine[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)


# -- history and undo ------------------------------------------------------------------------------

HISTORY = "history.jsonl"
_HEX = frozenset("0123456789abcdef")


def _append_history(state: Path, entry: dict) -> None:
    """One line per change, after the replace. A failure here (the disk filled just then) must not report
    the saved change as failed: it is only not undoable (undo finds the workbook's SHA-256 differs from
    the last entry and refuses). A line left half-written is ended first, so it spoils only itself."""
    path = state / HISTORY
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        with open(path, "ab+") as f:
            if f.seek(0, os.SEEK_END):
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    line = b"\n" + line
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        pass


def _valid_entry(entry: dict) -> bool:
    """An entry undo can act on: every field there and of its type, the backup a plain file name in the
    backups folder (a planted `../../x` must not be restored over the workbook)."""
    if not all(isinstance(entry.get(k), str) for k in ("workbook", "time", "command", "backup", "sha256")):
        return False
    backup = entry["backup"]
    return (backup == Path(backup).name and backup not in ("", ".", "..") and "\\" not in backup
            and len(entry["sha256"]) == 64 and set(entry["sha256"]) <= _HEX
            and isinstance(entry.get("undone", False), bool))


def read_history(workbook: Path, *, strict: bool = False) -> list[dict]:
    """propcli's changes of this workbook, oldest first, from `.propcli/history.jsonl` beside the real file.

    A line that cannot be read (not UTF-8, not JSON, not an entry, a field missing) is skipped — other
    commands only append — unless `strict` (undo): then it is an error naming the line, since undo could
    not know which change was the last."""
    workbook = Path(os.path.realpath(workbook))
    path = workbook.parent / ".propcli" / HISTORY
    try:
        if not path.exists():
            return []
        data = path.read_bytes()
    except OSError as exc:
        if strict:
            raise DataError("undo.history_unreadable", None, path=str(path),
                            reason=os.strerror(exc.errno) if exc.errno else type(exc).__name__) from None
        return []
    entries = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            entry = None
        ok = isinstance(entry, dict) and isinstance(entry.get("workbook"), str)
        if ok and entry["workbook"] == workbook.name:
            ok = _valid_entry(entry)
        if not ok:
            if strict:
                raise DataError("undo.history_corrupt", None, path=str(path), line=number)
            continue
        if entry["workbook"] == workbook.name:
            entries.append(entry)
    return entries


def content_sha256(path: Path) -> str:
    """A workbook file's SHA-256: what a commit checks nobody changed, and what a remembered output is kept
    for (`render.memo`)."""
    import hashlib

    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def undo(path: Path, *, force: bool = False, dry_run: bool = False) -> dict:
    """Put back the workbook as it was before propcli's last change, if nothing changed it since.

    The undone version is itself kept as a backup, and the undo is journaled in the restored workbook.
    """
    with Workbook(path, write=not dry_run, force=force) as wb:
        real = wb.path
        state = real.parent / STATE_DIR if dry_run else state_dir(real)  # a dry run creates nothing
        live = [e for e in read_history(real, strict=True) if not e.get("undone")]
        if not live:
            raise DataError("undo.nothing")
        last = live[-1]
        folder = state / "backups"
        current = wb._sha if wb._sha is not None else content_sha256(real)  # a dry run opens it only to read
        if current != last["sha256"]:
            raise DataError("undo.changed", None, command=last["command"], time=last["time"], folder=str(folder))
        backup = folder / last["backup"]
        if not backup.is_file():
            raise DataError("undo.backup_missing", None, backup=str(backup))
        if dry_run:
            return last
        with os_errors(backup):
            restored_sha = content_sha256(backup)
        tmp = state_dir(real, "tmp") / f"{real.name}.{os.getpid()}.undo"
        try:
            with os_errors(tmp):
                shutil.copyfile(backup, tmp)
                with open(tmp, "rb+") as f:
                    os.fsync(f.fileno())
                shutil.copymode(real, tmp)
            wb._check_unchanged()
            kept = wb._backup(state, dt.datetime.now().replace(microsecond=0))
            wb._install(tmp, kept)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(real.parent)
        _rewrite_history(state, lambda e: {**e, "undone": True} if e == last else e)
    with Workbook(path, write=True, force=force) as wb:  # journal the undo in the restored workbook
        wb.log("", "", f"{last['command']} @ {last['time']}", f"backup {kept.name}")
        wb.commit(f"undo ({last['command']})", record_history=False)
    previous = live[-2] if len(live) > 1 else None
    if previous is not None and previous["sha256"] == restored_sha:
        # nothing else had changed between the two propcli changes: the previous one stays undoable
        new_sha = content_sha256(wb.path)
        _rewrite_history(state, lambda e: {**e, "sha256": new_sha} if e == previous else e)
    return last


def _rewrite_history(state: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = state / HISTORY
    out = []
    with os_errors(path):
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            out.append(json.dumps(change(json.loads(line)), ensure_ascii=False))
        except ValueError:
            out.append(line)
    tmp = path.with_suffix(".tmp")
    try:
        with os_errors(tmp):
            tmp.write_bytes(("\n".join(out) + "\n").encode("utf-8", errors="surrogateescape"))
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
