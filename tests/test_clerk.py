"""What the clerk sees (issue 17 §6, and §1's existing files and full disks): dry runs that write nothing
at all, phones and ID numbers masked in every dry run, check and import report, Ctrl-C during a commit,
unit ids as clerks write them, the workbook lookup, internal errors in the chosen language, outputs that
never replace a file the clerk did not mean to, and the bills adjust/waive commands."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from propcli.domain.people import nearest_units, same_units
from propcli.store import schema
from propcli.store.workbook import Workbook

PHONE, PHONE_MASKED = "13912345678", "139****5678"
IDNO, IDNO_MASKED = "11010519491231002X", "110105********002X"  # a valid check digit (hand-computed: X)
OLD_PHONE = None  # 1-1-0101's phone in the generated estate, read in `master`


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones and .propcli/ included) with its SHA-256."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's owners and rates, October 2026 billed (物业费, 停车费 by area and spaces), and one
    payment SJ2026000001 of 1000.00 from 1-1-0101 on 2026-11-01 (its October bills paid, the rest 预存)."""
    from typer.testing import CliRunner

    from propcli.cli.app import app
    from sample_data.generate import generate

    folder = tmp_path_factory.mktemp("clerk-master")
    path = generate(folder / "estate.xlsx")
    runner = CliRunner()
    for args in (["billing", "run", "--period", "2026-10"],
                 ["payments", "record", "1-1-0101", "--amount", "1000", "--date", "2026-11-01"]):
        r = runner.invoke(app, ["-w", str(path), *args], catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
    shutil.rmtree(folder / ".propcli")
    return path


@pytest.fixture
def estate(master: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "estate"
    folder.mkdir()
    dest = folder / "estate.xlsx"
    shutil.copyfile(master, dest)
    return dest


def bill_row(path: Path, bill_id: str) -> dict:
    with Workbook(path) as wb:
        table = wb.read(schema.BILLS, only=("bill_id", bill_id))
        return dict(table.index("bill_id")[bill_id].values)


def first_bill(path: Path, unit: str, item: str = "物业费") -> dict:
    with Workbook(path) as wb:
        rows = wb.read(schema.BILLS, only=("unit_id", unit)).records()
    return next(r for r in rows if r["item"] == item and r["period"] == "2026-10")


# -- 1. a dry run writes nothing at all --------------------------------------------------------------

def _sources(folder: Path) -> None:
    (folder / "owners.csv").write_text(
        "房号,业主姓名,手机号,身份证号,建筑面积\n9-9-0101,王五,1391234567,110105194912310021,90\n"
        "9-9-0102,赵六,13912345679,,88\n", encoding="utf-8")
    (folder / "readings.csv").write_text(
        "房号,表计,账期,读数\n1-1-0101,水表,2026-11,999999\n9-9-9999,水表,2026-11,5\n", encoding="utf-8")


DRY_RUNS = {
    "owners add": ["owners", "add", "9-9-0101", "--name", "王五", "--phone", PHONE, "--area", "90"],
    "owners update": ["owners", "update", "1-1-0101", "--phone", PHONE, "--id-no", IDNO],
    "owners transfer": ["owners", "transfer", "1-1-0101", "--to", "李四", "--date", "2026-11-01", "--phone", PHONE],
    "owners move-in": ["owners", "move-in", "1-1-0102", "--date", "2026-11-01", "--water", "10"],
    "owners import": ["owners", "import", "{src}/owners.csv"],
    "meters record": ["meters", "record", "1-1-0101", "--meter", "水表", "--reading", "10", "--date", "2026-11-20"],
    "meters import": ["meters", "import", "{src}/readings.csv"],
    "billing run": ["billing", "run", "--period", "2026-11"],
    "payments record": ["payments", "record", "1-1-0102", "--amount", "100", "--date", "2026-11-02"],
    "payments void": ["payments", "void", "SJ2026000001", "--reason", "重复收款"],
    "arrears log": ["arrears", "log", "1-1-0101", "--channel", "电话", "--outcome", "承诺", "--promise", "2026-12-01"],
    "bills adjust": ["bills", "adjust", "{bill}", "--amount", "100", "--reason", "面积更正"],
    "bills waive": ["bills", "waive", "{bill}", "--reason", "困难户"],
    "undo": ["undo"],
}


@pytest.mark.parametrize("name", sorted(DRY_RUNS))
@pytest.mark.parametrize("where", ["beside", "src-inside"])
def test_dry_run_writes_nothing_anywhere(cli, estate: Path, tmp_path: Path, name: str, where: str) -> None:
    """Workbook SHA-256, .propcli/ and every other file of the estate's folder (and of the folder the input
    came from) are the same after the dry run; the command says it was a dry run."""
    src = estate.parent if where == "src-inside" else tmp_path / "in"
    src.mkdir(exist_ok=True)
    _sources(src)
    if name == "undo":  # something to undo
        assert cli("-w", estate, "arrears", "log", "1-1-0101", "--channel", "电话", "--outcome", "x").exit_code == 0
    bill = first_bill(estate, "1-1-0102")["bill_id"]
    assert cli("-w", estate, "check").exit_code in (0, 3)  # warm the read cache: a read may fill it
    before_estate, before_src = tree(estate.parent), tree(src)
    args = [a.replace("{src}", str(src)).replace("{bill}", bill) for a in DRY_RUNS[name]]
    r = cli("-w", estate, *args, "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "试运行" in r.stderr or "将撤销" in r.stderr
    assert "已保存" not in r.stderr and "已作废" not in r.stderr
    assert tree(estate.parent) == before_estate
    assert tree(src) == before_src


def test_check_fix_dry_run_writes_nothing(cli, messy: Path) -> None:
    assert cli("-w", messy, "check").exit_code == 3
    before = tree(messy.parent)
    r = cli("-w", messy, "check", "--fix", "--dry-run")
    assert r.exit_code == 3 and "试运行" in r.stderr
    assert tree(messy.parent) == before


def test_meters_import_dry_run_names_the_errors_file_without_writing_it(cli, estate: Path, tmp_path: Path) -> None:
    _sources(tmp_path)
    r = cli("-w", estate, "meters", "import", tmp_path / "readings.csv", "--dry-run")
    assert "readings.errors.csv" in r.stderr and "未写入" in r.stderr
    assert not (tmp_path / "readings.errors.csv").exists()
    r = cli("-w", estate, "meters", "import", tmp_path / "readings.csv", "--yes")
    assert r.exit_code == 0, r.stderr
    text = (tmp_path / "readings.errors.csv").read_text(encoding="utf-8-sig")
    assert "9-9-9999" in text and not list(tmp_path.glob(".*.tmp"))


def test_payments_void_dry_run_says_would(cli, estate: Path) -> None:
    r = cli("-w", estate, "payments", "void", "SJ2026000001", "--reason", "重复收款", "--dry-run")
    assert "将作废" in r.stderr and "已作废" not in r.stderr
    r = cli("--lang", "en", "-w", estate, "payments", "void", "SJ2026000001", "--reason", "x", "--dry-run")
    assert "would be voided" in r.stderr


# -- 2. masking ----------------------------------------------------------------------------------------

MASKED_DRY_RUNS = [
    (["owners", "update", "1-1-0101", "--phone", PHONE], [PHONE], [PHONE_MASKED]),
    (["owners", "update", "1-1-0101", "--id-no", IDNO], [IDNO], [IDNO_MASKED]),
    (["owners", "update", "1-1-0101", "--phone", PHONE, "--id-no", IDNO], [PHONE, IDNO], [PHONE_MASKED, IDNO_MASKED]),
    (["owners", "update", "1-1-0101", "--tenant-phone", PHONE], [PHONE], [PHONE_MASKED]),
    (["owners", "add", "9-9-0101", "--name", "王五", "--phone", PHONE, "--area", "90"], [PHONE], [PHONE_MASKED]),
    (["owners", "add", "9-9-0101", "--name", "王五", "--id-no", IDNO, "--area", "90"], [IDNO], [IDNO_MASKED]),
    (["owners", "transfer", "1-1-0101", "--to", "李四", "--date", "2026-11-01", "--phone", PHONE], [PHONE], [PHONE_MASKED]),
    (["owners", "transfer", "1-1-0101", "--to", "李四", "--date", "2026-11-01", "--id-no", IDNO], [IDNO], [IDNO_MASKED]),
]


@pytest.mark.parametrize(("args", "secrets", "masks"), MASKED_DRY_RUNS)
def test_dry_run_masks_phones_and_id_numbers(cli, estate: Path, args, secrets, masks) -> None:
    with Workbook(estate) as wb:  # the old owner's phone and ID are in the before column: masked too
        old = wb.read(schema.OWNERS, only=("unit_id", "1-1-0101")).index("unit_id")["1-1-0101"].values
    old_secrets = [str(old[k]) for k in ("phone", "id_no") if old.get(k)]
    r = cli("-w", estate, *args, "--dry-run")
    assert r.exit_code == 0, r.stderr
    for s in [*secrets, *old_secrets]:
        assert s not in r.stdout and s not in r.stderr
    for m in masks:
        assert m in r.stdout
    r = cli("-w", estate, *args, "--dry-run", "--unmask")
    for s in secrets:
        assert s in r.stdout


@pytest.fixture(scope="module")
def messy_master(master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1-1-0101 with a 10-digit phone; 1-1-0102 with a wrong ID check digit; 1-1-0201 with a full-width
    phone (fixable: `check --fix` writes its half-width form)."""
    path = tmp_path_factory.mktemp("clerk-messy") / "estate.xlsx"
    from sample_data.generate import generate

    generate(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["业主档案"]
    heads = {c.value: c.column_letter for c in ws[1]}
    units = {ws[f"A{r}"].value: r for r in range(2, 8)}
    ws[f"{heads['联系电话']}{units['1-1-0101']}"] = "1391234567"
    ws[f"{heads['证件号码']}{units['1-1-0102']}"] = "110105194912310021"
    ws[f"{heads['联系电话']}{units['1-1-0201']}"] = "１３９１２３４５６７８"
    wb.save(path)
    return path


@pytest.fixture
def messy(messy_master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(messy_master, dest)
    return dest


CHECK_SECRETS = ["1391234567", "110105194912310021", "１３９１２３４５６７８", PHONE]


@pytest.mark.parametrize("args", [
    ["check"], ["check", "phone"], ["check", "idno"], ["check", "fullwidth"], ["check", "-f", "json"],
    ["check", "-f", "csv"], ["check", "phone", "-f", "json"], ["check", "--fix", "--dry-run"],
    ["check", "fullwidth", "--fix", "--dry-run"],
])
def test_check_masks_phones_and_id_numbers(cli, messy: Path, args) -> None:
    r = cli("-w", messy, *args)
    assert r.exit_code == 3, r.stderr
    out = r.stdout + r.stderr
    for s in CHECK_SECRETS:
        assert s not in out, s
    assert "139***4567" in out or "139****5678" in out or "１３９****５６７８" in out or "110105********0021" in out
    r = cli("-w", messy, *args, "--unmask")
    out = r.stdout + r.stderr
    assert any(s in out for s in CHECK_SECRETS)


def test_check_json_masks_value_message_and_fix(cli, messy: Path) -> None:
    data = json.loads(cli("-w", messy, "check", "-f", "json").stdout)
    rows = {(p["check"], p["row"]): p for p in data["problems"]["rows"]}
    phone = next(p for (c, _), p in rows.items() if c == "phone")
    assert phone["value"] == "139***4567" and "'139***4567'" in phone["message"]  # 10 digits: 3 kept, 3 starred, 4 kept
    idno = next(p for (c, _), p in rows.items() if c == "idno")
    assert idno["value"] == "110105********0021"


@pytest.mark.parametrize("fmt", [None, "json", "csv"])
def test_import_warnings_mask(cli, estate: Path, tmp_path: Path, fmt) -> None:
    _sources(tmp_path)
    args = ["owners", "import", tmp_path / "owners.csv", "--dry-run"] + (["-f", fmt] if fmt else [])
    r = cli("-w", estate, *args)
    assert r.exit_code == 0, r.stderr
    out = r.stdout + r.stderr
    assert "110105194912310021" not in out and "1391234567" not in out
    assert "110105********0021" in out and "139***4567" in out
    assert "110105194912310021" in cli("-w", estate, *args, "--unmask").stdout


def test_import_report_file_masked(cli, estate: Path, tmp_path: Path) -> None:
    _sources(tmp_path)
    report = tmp_path / "report.csv"
    cli("-w", estate, "owners", "import", tmp_path / "owners.csv", "--dry-run", "--report", report)
    text = report.read_text(encoding="utf-8-sig")
    assert "110105********0021" in text and "110105194912310021" not in text


# -- 3. Ctrl-C during a commit ------------------------------------------------------------------------

def test_ctrl_c_during_commit_finishes_and_says_what_it_did(cli, estate: Path, monkeypatch) -> None:
    from propcli.store import workbook as store

    real_replace = os.replace

    def interrupted_replace(src, dst):  # the clerk presses Ctrl-C just as the workbook is replaced
        if str(dst) == str(estate):
            os.kill(os.getpid(), signal.SIGINT)
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", interrupted_replace)
    r = cli("-w", estate, "payments", "record", "1-1-0102", "--amount", "50", "--date", "2026-11-03")
    assert r.exit_code == 130
    assert "SJ2026000002" in r.stderr and "ZD" in r.stdout  # the receipt number and the allocation
    with Workbook(estate) as wb:
        assert "SJ2026000002" in wb.read(schema.PAYMENTS).index("receipt_no")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_commit_is_deferred_to_the_end(estate: Path, sig) -> None:
    from propcli.store import signals

    seen = []
    old = signal.signal(signal.SIGTERM, lambda n, f: seen.append(n))
    try:
        with pytest.raises(KeyboardInterrupt) if sig == signal.SIGINT else _nothing():
            with signals.deferred():
                os.kill(os.getpid(), sig)
                seen.append("after")  # still running: the signal waits
        assert seen[0] == "after"
        if sig == signal.SIGTERM:
            assert seen == ["after", signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, old)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_ctrl_c_before_commit_changes_nothing(cli, estate: Path, monkeypatch) -> None:
    from propcli.ops import payments

    before = sha(estate)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(payments, "allocate", interrupted)
    r = cli("-w", estate, "payments", "record", "1-1-0102", "--amount", "50")
    assert r.exit_code == 130 and sha(estate) == before


# -- 4. unit ids as clerks write them -------------------------------------------------------------------

KNOWN = ["1-1-0101", "3-2-1201", "3-2-1202", "3-1-1201", "12-1-0301", "B1-708", "商铺A01", "10-2-0101"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("3栋2单元1201", "3-2-1201"), ("3号楼2单元1201", "3-2-1201"), ("03-02-1201", "3-2-1201"),
    ("3幢2单元1201室", "3-2-1201"), ("3#2单元1201", "3-2-1201"), ("3座2单元1201", "3-2-1201"),
    ("3-2-1201", "3-2-1201"), ("003-2-1201", "3-2-1201"), ("3楼2单元1201", "3-2-1201"),
    ("1栋1单元101", "1-1-0101"), ("01-01-0101", "1-1-0101"), ("1号楼1单元0101", "1-1-0101"),
    ("12栋1单元301", "12-1-0301"), ("12#1-301", "12-1-0301"), ("b1-708", "B1-708"),
    ("10栋2单元101", "10-2-0101"),
])
def test_same_unit_written_another_way(typed: str, meant: str) -> None:
    assert same_units(typed, KNOWN) == [meant]


@pytest.mark.parametrize("typed", ["3-2-1203", "4-2-1201", "3-3-1201", "9-9-9999", "商铺A02", "", "1-1-0101-1"])
def test_no_same_unit(typed: str) -> None:
    assert same_units(typed, KNOWN) == []


def test_ambiguous_reading_lists_both() -> None:
    assert same_units("3-2-1201", ["3-2-1201", "03-02-1201"]) == ["3-2-1201", "03-02-1201"]


@pytest.mark.parametrize(("typed", "near"), [
    ("3-2-1209", "3-2-1201"), ("3-2-12O1", "3-2-1201"), ("3-2-120", "3-2-1201"), ("3-21201", "3-2-1201"),
    ("1-1-0011", "1-1-0101"), ("12-1-3001", "12-1-0301"),
])
def test_nearest_units(typed: str, near: str) -> None:
    assert near in nearest_units(typed, KNOWN)


@pytest.mark.parametrize("typed", ["3栋2单元1201", "3号楼2单元1201", "03-02-1201", "３－２－１２０１", "3幢2单元1201室"])
@pytest.mark.parametrize("command", ["show", "payments"])
def test_cli_finds_the_unit(cli, estate: Path, typed: str, command: str) -> None:
    if command == "show":
        r = cli("-w", estate, "owners", "show", typed, "-f", "json")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["params"]["unit"] == "3-2-1201"
    else:
        r = cli("-w", estate, "payments", "record", typed, "--amount", "10", "--dry-run")
        assert r.exit_code == 0, r.stderr
        assert "3-2-1201" in r.stderr


@pytest.mark.parametrize(("typed", "near"), [("3-2-1209", "3-2-1201"), ("9栋2单元1201", "6-2-1201"),
                                              ("3-2-12o1", "3-2-1201")])
def test_cli_unknown_unit_suggests(cli, estate: Path, typed: str, near: str) -> None:
    r = cli("-w", estate, "owners", "show", typed)
    assert r.exit_code == 1 and "您是不是要找" in r.stderr and near in r.stderr
    r = cli("--lang", "en", "-w", estate, "owners", "update", typed, "--notes", "x")
    assert r.exit_code == 1 and "did you mean" in r.stderr and near in r.stderr


@pytest.mark.parametrize("args", [
    ["payments", "receipt", "sj2026000001", "-o", "{tmp}/r.html"],
    ["payments", "void", "sj2026000001", "--reason", "x", "--dry-run"],
    ["payments", "void", "Sj2026000001", "--reason", "x", "--dry-run"],
    ["bills", "waive", "{lowbill}", "--reason", "x", "--dry-run"],
    ["bills", "adjust", "{lowbill}", "--amount", "1", "--reason", "x", "--dry-run"],
    ["payments", "record", "1-1-0102", "--amount", "1", "--bills", "{lowbill}", "--dry-run"],
])
def test_lower_case_numbers_are_found(cli, estate: Path, tmp_path: Path, args) -> None:
    low = first_bill(estate, "1-1-0102")["bill_id"].lower()
    r = cli("-w", estate, *[a.replace("{tmp}", str(tmp_path)).replace("{lowbill}", low) for a in args])
    assert r.exit_code == 0, r.stderr


# -- 5. which workbook ----------------------------------------------------------------------------------

def test_no_workbook_names_the_folder(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("owners", "list")
    assert r.exit_code == 1 and str(tmp_path) in r.stderr and "-w" in r.stderr
    r = cli("--lang", "en", "owners", "list")
    assert "no .xlsx workbook" in r.stderr


@pytest.mark.parametrize("extra", [["b.xlsx"], ["b.xlsx", "c.xlsx"]])
def test_several_workbooks_are_named(cli, master: Path, tmp_path: Path, monkeypatch, extra) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(master, tmp_path / "a.xlsx")
    for name in extra:
        shutil.copyfile(master, tmp_path / name)
    r = cli("owners", "list")
    assert r.exit_code == 1
    for name in ["a.xlsx", *extra]:
        assert name in r.stderr
    assert "-w a.xlsx" in r.stderr
    assert "a.xlsx、b.xlsx" in r.stderr  # the list in the message's language
    r = cli("--lang", "en", "owners", "list")
    assert "possible workbooks in this folder: a.xlsx, b.xlsx" in r.stderr and "、" not in r.stderr


def test_several_files_none_an_estate(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("x.xlsx", "y.xlsx"):
        wb = openpyxl.Workbook()
        wb.save(tmp_path / name)
    r = cli("owners", "list")
    assert r.exit_code == 1 and "x.xlsx" in r.stderr and "y.xlsx" in r.stderr


def test_one_estate_beside_an_export_is_found(cli, master: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(master, tmp_path / "estate.xlsx")
    assert cli("owners", "list", "-o", "owners.xlsx").exit_code == 0
    assert cli("owners", "list", "-f", "csv").exit_code == 0
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")  # a half-copied file: not the estate either
    assert cli("owners", "list", "-f", "csv").exit_code == 0


# -- 6. errors in the clerk's language --------------------------------------------------------------------

@pytest.mark.parametrize(("exc", "zh", "en"), [
    (RuntimeError("boom"), "内部错误：RuntimeError: boom", "internal error: RuntimeError: boom"),
    (KeyError("x"), "内部错误：KeyError", "internal error: KeyError"),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/estate.xlsx"), "无法读写 /srv/estate.xlsx",
     "cannot read or write /srv/estate.xlsx"),
    (OSError(errno.ENOSPC, "No space left on device"), "No space left on device", "No space left on device"),
])
def test_unexpected_errors_in_the_chosen_language(cli, estate: Path, monkeypatch, exc, zh, en) -> None:
    from propcli.ops import owners

    def broken(*a, **k):
        raise exc

    monkeypatch.setattr(owners, "list_owners", broken)
    for lang, text in (("zh", zh), ("en", en)):
        r = cli("--lang", lang, "-w", estate, "owners", "list")
        assert r.exit_code == 1 and text in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("content", [b"root:x:0:0:root:/root:/bin/bash\n", b"PK\x03\x04broken", b"", b"\x00" * 64])
@pytest.mark.parametrize("command", ["owners", "meters"])
def test_unreadable_foreign_file(cli, estate: Path, tmp_path: Path, content: bytes, command: str) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(content)
    before = sha(estate)
    r = cli("-w", estate, command, "import", src)
    assert r.exit_code == 1 and "in.xlsx" in r.stderr and "内部错误" not in r.stderr
    assert sha(estate) == before


# -- 7. outputs never replace what the clerk did not mean to ---------------------------------------------

def _foreign_workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "the clerk's own sheet"
    wb.save(path)


@pytest.mark.parametrize("kind", ["estate-copy", "clerk-sheet", "xls", "docx-like", "broken-zip"])
@pytest.mark.parametrize("command", [["owners", "list"], ["bills", "summary"], ["payments", "list", "-f", "json"]])
def test_existing_foreign_file_is_refused(cli, estate: Path, master: Path, tmp_path: Path, kind, command) -> None:
    target = tmp_path / ("x.json" if "json" in command else "x.xlsx")
    if kind == "estate-copy":
        shutil.copyfile(master, target)
    elif kind == "clerk-sheet":
        _foreign_workbook(target)
    elif kind == "xls":
        target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    elif kind == "docx-like":
        import zipfile

        with zipfile.ZipFile(target, "w") as z:
            z.writestr("word/document.xml", "<w/>")
    else:
        target.write_bytes(b"PK\x03\x04 not really a zip")
    before = sha(target)
    r = cli("-w", estate, *command, "-o", target)
    assert r.exit_code == 2, r.stderr
    assert sha(target) == before and "不会覆盖" in r.stderr
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("ext", ["xlsx", "csv", "json", "html", "txt"])
def test_own_output_is_replaced(cli, estate: Path, tmp_path: Path, ext: str) -> None:
    target = tmp_path / f"owners.{ext}"
    assert cli("-w", estate, "owners", "list", "-o", target).exit_code == 0
    first = sha(target)
    r = cli("-w", estate, "owners", "list", "-o", target)
    assert r.exit_code == 0, r.stderr
    assert sha(target) == first  # rewritten, the same bytes


def test_output_to_a_pipe_is_written_not_replaced(cli, estate: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    r = cli("-w", estate, "owners", "list", "-f", "csv", "-o", fifo)
    reader.join(10)
    assert r.exit_code == 0, r.stderr
    assert fifo.is_fifo() and b"1-1-0101" in got[0]


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_full_disk_leaves_nothing_half_written(cli, estate: Path, tmp_path: Path, monkeypatch, fail_at) -> None:
    from propcli.cli import common

    target = tmp_path / "owners.csv"

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    if fail_at == "fsync":
        monkeypatch.setattr(common.os, "fsync", full)
    elif fail_at == "replace":
        monkeypatch.setattr(common.os, "replace", full)
    else:
        real_open = open

        def opener(path, mode="r", *a, **k):
            f = real_open(path, mode, *a, **k)
            if "w" in mode and str(path).endswith(".tmp"):
                f.write = full  # type: ignore[method-assign]
            return f

        monkeypatch.setattr("builtins.open", opener)
    r = cli("-w", estate, "owners", "list", "-o", target)
    monkeypatch.undo()
    assert r.exit_code == 1 and "No space left on device" in r.stderr
    assert not target.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full")
def test_dev_full(cli, estate: Path) -> None:
    r = cli("-w", estate, "owners", "list", "-f", "csv", "-o", "/dev/full")
    assert r.exit_code == 1 and "/dev/full" in r.stderr
    assert Path("/dev/full").is_char_device()  # written to, never renamed onto


# -- 8. bills adjust / waive ----------------------------------------------------------------------------

def test_adjust_keeps_history_and_check_billing_leaves_it(cli, estate: Path) -> None:
    bill = first_bill(estate, "1-1-0102")
    old = bill["amount"]
    assert cli("-w", estate, "check", "billing").exit_code == 0
    r = cli("-w", estate, "bills", "adjust", bill["bill_id"], "--amount", "100", "--reason", "面积更正",
            "--date", "2026-11-20")
    assert r.exit_code == 0, r.stderr
    after = bill_row(estate, bill["bill_id"])
    assert after["amount"] == Decimal("100.00") and after["status"] == "未缴" and after["paid"] in (None, Decimal(0))
    assert after["detail"].startswith(bill["detail"])
    assert f"2026-11-20 {old:.2f}→100.00：面积更正" in after["detail"]
    assert cli("-w", estate, "check", "billing").exit_code == 0  # the clerk's decision is not re-flagged
    with Workbook(estate) as wb:
        journal = wb.read(schema.JOURNAL).records()
    assert any(j["key"] == bill["bill_id"] and "100" in j["after"] for j in journal)


def test_check_billing_hint_names_the_commands(cli, estate: Path) -> None:
    bill = first_bill(estate, "1-1-0102")
    with Workbook(estate, write=True) as wb:  # a bill typed over by hand: not what the rates give
        table = wb.read(schema.BILLS, only=("bill_id", bill["bill_id"]))
        wb.update(table, table.index("bill_id")[bill["bill_id"]], {"amount": Decimal("1.00")}, key=bill["bill_id"])
        wb.commit("test")
    r = cli("-w", estate, "check", "billing")
    assert r.exit_code == 3
    assert f"propcli bills adjust {bill['bill_id']} --amount {bill['amount']:.2f}" in r.stdout
    assert f"propcli bills waive {bill['bill_id']}" in r.stdout


def test_adjust_after_part_payment(cli, estate: Path) -> None:
    bill = first_bill(estate, "1-1-0102")
    assert cli("-w", estate, "payments", "record", "1-1-0102", "--amount", "50", "--bills", bill["bill_id"]).exit_code == 0
    r = cli("-w", estate, "bills", "adjust", bill["bill_id"], "--amount", "40", "--reason", "x")
    assert r.exit_code == 1 and "已收 50.00" in r.stderr
    assert cli("-w", estate, "bills", "adjust", bill["bill_id"], "--amount", "60", "--reason", "x").exit_code == 0
    after = bill_row(estate, bill["bill_id"])
    assert (after["amount"], after["paid"], after["status"]) == (Decimal("60.00"), Decimal("50.00"), "部分")
    assert cli("-w", estate, "bills", "adjust", bill["bill_id"], "--amount", "50", "--reason", "x").exit_code == 0
    assert bill_row(estate, bill["bill_id"])["status"] == "已缴"


def test_waive_drops_out_of_arrears_and_allocation(cli, estate: Path) -> None:
    bills = [first_bill(estate, "1-1-0102", item) for item in ("物业费",)]
    bill = bills[0]
    report = json.loads(cli("-w", estate, "arrears", "report", "--as-of", "2026-12-31", "-f", "json").stdout)
    before = Decimal(report["debtors"]["total"]["total"])
    r = cli("-w", estate, "bills", "waive", bill["bill_id"], "--reason", "困难户")
    assert r.exit_code == 0, r.stderr
    after = bill_row(estate, bill["bill_id"])
    assert after["status"] == "减免" and after["amount"] == bill["amount"] and "【减免】" in after["detail"]
    report = json.loads(cli("-w", estate, "arrears", "report", "--as-of", "2026-12-31", "-f", "json").stdout)
    assert Decimal(report["debtors"]["total"]["total"]) == before - bill["amount"]
    r = cli("-w", estate, "payments", "record", "1-1-0102", "--amount", "1000", "--date", "2026-11-05")
    assert r.exit_code == 0 and bill["bill_id"] not in r.stdout
    assert bill_row(estate, bill["bill_id"])["paid"] in (None, Decimal(0))
    assert cli("-w", estate, "check", "billing").exit_code == 0


@pytest.mark.parametrize(("args", "code", "text"), [
    (["adjust", "{bill}", "--amount", "-1", "--reason", "x"], 1, "-1"),
    (["adjust", "{bill}", "--amount", "1e20", "--reason", "x"], 1, "1e20"),
    (["adjust", "{bill}", "--amount", "0.001", "--reason", "x"], 1, "0.001"),
    (["adjust", "{bill}", "--amount", "abc", "--reason", "x"], 1, "abc"),
    (["adjust", "{bill}", "--amount", "NaN", "--reason", "x"], 1, "NaN"),
    (["adjust", "{bill}", "--amount", "{same}", "--reason", "x"], 1, "已经是"),
    (["adjust", "ZD209901999999", "--amount", "1", "--reason", "x"], 1, "找不到账单"),
    (["adjust", "{bill}", "--amount", "1", "--reason", "  "], 1, "原因"),
    (["waive", "ZD209901999999", "--reason", "x"], 1, "找不到账单"),
    (["waive", "{bill}", "--reason", ""], 1, "原因"),
    (["waive", "{paidbill}", "--reason", "x"], 1, "全额缴清"),
    (["adjust", "{bill}", "--reason", "x"], 2, ""),
    (["waive", "{bill}"], 2, ""),
])
def test_adjust_and_waive_refusals(cli, estate: Path, args, code, text) -> None:
    bill = first_bill(estate, "1-1-0102")
    paid = next(b for b in _bills(estate, "1-1-0101") if b["status"] == "已缴")
    before = sha(estate)
    args = [a.replace("{bill}", bill["bill_id"]).replace("{same}", f"{bill['amount']:.2f}")
            .replace("{paidbill}", paid["bill_id"]) for a in args]
    r = cli("-w", estate, "bills", *args)
    assert r.exit_code == code, r.stderr
    assert text in r.stderr and "内部错误" not in r.stderr
    assert sha(estate) == before


def _bills(path: Path, unit: str) -> list[dict]:
    with Workbook(path) as wb:
        return wb.read(schema.BILLS, only=("unit_id", unit)).records()


def test_waive_twice_refused(cli, estate: Path) -> None:
    bill = first_bill(estate, "1-1-0102")["bill_id"]
    assert cli("-w", estate, "bills", "waive", bill, "--reason", "x").exit_code == 0
    before = sha(estate)
    for args in (["waive", bill, "--reason", "y"], ["adjust", bill, "--amount", "1", "--reason", "y"]):
        r = cli("-w", estate, "bills", *args)
        assert r.exit_code == 1 and "已经减免" in r.stderr
    assert sha(estate) == before
