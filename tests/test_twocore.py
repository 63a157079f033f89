"""Half of a pass over the sheet XML done by a forked child (`store.twocore`, issue 15): the registers
read the same with it as without it, cell by cell and type by type; a child that fails or dies changes
nothing but the time (this process computes the same); a sheet out of the usual form is still refused
before any cell of it is read."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from propcli.store import columns, schema, twocore
from propcli.store.fastread import SheetScan, Unsupported
from propcli.store.workbook import Workbook
from tests.test_reader_equality import KEYS, _same


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every sheet, however small, is split between two processes; the list counts the children."""
    made: list[int] = []
    start = twocore.Forked.__init__

    def counted(self, fn, *args):  # type: ignore[no-untyped-def]
        start(self, fn, *args)
        made.append(self._pid)

    monkeypatch.setattr(twocore, "MIN_BYTES", 0)
    monkeypatch.setattr(twocore, "cores", lambda: 2)
    monkeypatch.setattr(twocore.Forked, "__init__", counted)
    return made


def _registers(path: Path, only: str | None = None) -> dict:
    out = {}
    with Workbook(path) as wb:
        for spec in schema.SHEETS:
            for name in wb.sheets_of(spec):
                for keys in KEYS.get(spec.key, [None]):
                    try:
                        out[(name, keys)] = columns.scan_data(wb._scan(name), spec, name, wb.name, keys)
                    except Unsupported:  # a blank sheet
                        continue
                if only and any(c.key == "unit_id" for c in spec.columns):
                    table = wb.read(spec, only=("unit_id", only))
                    out[(name, "only")] = [(r.number, r.values, r.raw) for r in table.rows]
    return out


@pytest.mark.parametrize("workbook", ["sample_readonly", "estate_s"])
def test_two_processes_read_what_one_reads(workbook: str, request: pytest.FixtureRequest, forks: list[int],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = request.getfixturevalue(workbook)
    with Workbook(path) as wb:
        unit = str(wb.columns(schema.BILLS, ("unit_id",))["unit_id"][-1])
    split = _registers(path, unit)
    assert len(forks) > len(split) // 2, "the reads were not split"
    with monkeypatch.context() as m:
        m.setenv("PROPCLI_CORES", "1")
        m.setattr(twocore, "cores", lambda: 1)
        made = len(forks)
        alone = _registers(path, unit)
        assert len(forks) == made, "PROPCLI_CORES=1 still forked"
    assert split.keys() == alone.keys()
    assert any(data for key, data in alone.items() if key[1] == "only")
    for key, data in alone.items():
        if key[1] == "only":
            assert split[key] == data, key
        else:
            _same(split[key], data)


def test_the_childs_half_with_odd_rows_is_assembled_as_one_process_assembles_it(
        estate_s: Path, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each half of the rows typed and assembled where it was read, then joined: a 合计 row, a blank row,
    a unit price that is no number and an identifier stored with spaces, all in the child's half, come
    out as one process reads them (left out, left out, a located problem, typed with its raw cell kept)."""
    from tests.test_streamread import with_odd_rows

    path = with_odd_rows(estate_s, tmp_path / "odd.xlsx")

    def read() -> columns.SheetData:
        with Workbook(path) as wb:
            return columns.scan_data(wb._scan("应收账单"), schema.BILLS, "应收账单", wb.name)

    split = read()
    assert forks, "the read was not split"
    with monkeypatch.context() as m:
        m.setattr(twocore, "cores", lambda: 1)
        alone = read()
    _same(split, alone)
    assert 99996 not in alone.numbers and 99997 not in alone.numbers and alone.numbers[-1] == 99998
    assert alone.values["bill_id"][-1] == "B-X1" and alone.raws["bill_id"][-1] == " B-X 1 "  # type: ignore[index]
    assert alone.problems[-1][:2] == (99998, "unit_price") and alone.last_row == 99998


def _pid() -> int:
    return os.getpid()


def test_a_failed_child_is_computed_here(forks: list[int]) -> None:
    """The child raising, or killed, is no error and no other answer: this process computes it."""
    me = os.getpid()

    def fails_in_child() -> str:
        if os.getpid() != me:
            raise RuntimeError("in the child")
        return "here"

    def dies_in_child() -> str:
        if os.getpid() != me:
            os.kill(os.getpid(), signal.SIGKILL)
        return "here"

    assert twocore.Forked(fails_in_child).result() == "here"
    assert twocore.Forked(dies_in_child).result() == "here"
    assert twocore.Forked(_pid).result() not in (me, 0)  # computed in the child when it can
    assert len(forks) == 3


def test_an_unnumbered_cell_is_refused_and_a_failed_block_ends_the_child(forks: list[int]) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 500))
    odd = SheetScan(b"<worksheet><sheetData>" + rows + b'<row r="500"><c><v>1</v></c></row></sheetData></worksheet>',
                    None, set())
    with pytest.raises(Unsupported, match="c without r"):
        with odd.refs_checked():
            odd.column(0)  # the block runs; the refusal comes when it ends
    usual = SheetScan(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>", None, set())
    with usual.refs_checked():
        assert len(usual.column(0)) == 499
    with pytest.raises(KeyError):
        with usual.refs_checked():
            raise KeyError("the block failed")
    assert len(forks) == 3
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[-1], os.WNOHANG)  # reaped, not left a zombie


def test_the_cores_setting_is_a_number_in_range(monkeypatch: pytest.MonkeyPatch) -> None:
    from propcli.errors import DataError

    monkeypatch.setenv("PROPCLI_CORES", "1")
    assert twocore.cores() == 1 and not twocore.worth_it(1 << 30)
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("PROPCLI_CORES", bad)
        with pytest.raises(DataError, match="PROPCLI_CORES"):
            twocore.cores()
