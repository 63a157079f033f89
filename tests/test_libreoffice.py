"""What propcli writes opens in LibreOffice (a clerk's other tool), and LibreOffice sees exactly the
values propcli reads back, cell for cell. Needs `soffice` (.ci/run installs it)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.store import schema
from propcli.store.normalize import clean_text, to_date, to_identifier
from propcli.store.workbook import Workbook

# Under xdist (-n, --dist loadgroup) both LibreOffice runs go to one worker, one after the other: two
# soffice at once fight over memory and CPU (and over the user profile, were it ever shared).
pytestmark = pytest.mark.xdist_group("libreoffice")

# CSV filter: comma, double quote, UTF-8, start at row 1, …, raw values, every sheet to its own file (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed on CI: .ci/run must install it")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def libreoffice_csv(path: Path, out: Path) -> dict[str, list[list[str]]]:
    profile = out / "profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    CSV_FILTER, "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    sheets = {}
    for f in out.glob(f"{path.stem}-*.csv"):
        with open(f, encoding="utf-8", newline="") as fh:
            sheets[f.stem[len(path.stem) + 1:]] = list(csv.reader(fh))
    return sheets


def same(value: object, text: str) -> bool:
    if value is None:
        return text == ""
    if isinstance(value, Decimal):
        return Decimal(text) == value
    if isinstance(value, dt.datetime):
        return text.startswith(value.strftime("%Y-%m-%d"))
    if isinstance(value, dt.date):
        return to_date(text) == value
    if isinstance(value, int):
        return int(text) == value
    return value in (to_identifier(text), clean_text(text))


def test_libreoffice_reads_what_propcli_wrote(cli, sample: Path, tmp_path: Path) -> None:
    w = ("-w", sample)
    assert cli(*w, "owners", "update", "3-2-1201", "--phone", "13912345678", "--notes", "电话已核实（本人）").exit_code == 0
    assert cli(*w, "owners", "transfer", "2-1-0101", "--to", "李四", "--date", "2024-05-01",
               "--settled", "1234.50").exit_code == 0
    assert cli(*w, "owners", "move-in", "1-1-0101", "--date", "2026-11-20", "--water", "99999").exit_code == 0
    assert cli(*w, "owners", "add", "9-1-0101", "--name", "王五", "--area", "88.8",
               "--move-in", "2024-01-02").exit_code == 0
    sheets = libreoffice_csv(sample, tmp_path / "lo")
    with Workbook(sample) as wb:
        for spec in (schema.OWNERS, schema.TRANSFERS, schema.READINGS, schema.JOURNAL):
            table = wb.read(spec)
            grid = sheets[table.name]
            assert len(table.rows) > 0
            for row in table.rows:
                cells = grid[row.number - 1]
                for key, idx in table.columns.items():
                    text = cells[idx] if idx < len(cells) else ""
                    assert same(row.values.get(key), text), (table.name, row.number, key, row.values.get(key), text)
    owners = {r[0]: r for r in sheets["业主档案"][1:]}
    assert owners["9-1-0101"][4] == "王五" and owners["9-1-0101"][10] == "2024-01-02"
    assert owners["3-2-1201"][14] == "电话已核实（本人）"


def test_libreoffice_reads_the_bench_estate_after_propcli_wrote(cli, estate_s: Path, tmp_path: Path) -> None:
    """The benchmark's S estate (500 units, a year of bills, readings, payments, reminders) after a payment,
    a month's readings and a month's bills: LibreOffice opens it and sees every register's every cell
    as propcli reads it."""
    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    w = ("-w", path)
    with Workbook(path) as wb:
        bills = wb.read(schema.BILLS)
        unit = next(r["unit_id"] for r in bills.rows if r["status"] == "未缴")
        readings = wb.read(schema.READINGS)
    last = {(r["unit_id"], r["meter"]): r["reading"] for r in readings.rows}
    sheet = tmp_path / "readings-2026-01.csv"
    with open(sheet, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["房号", "水表", "电表", "抄表日期", "抄表员"])
        for u in sorted({u for u, _ in last}):
            out.writerow([u, last[(u, "水表")] + 9, last[(u, "电表")] + 260, "2026-01-25", "抄表员老陈"])
    assert cli(*w, "payments", "record", unit, "--amount", "150.5", "--date", "2026-01-10").exit_code == 0
    assert cli(*w, "meters", "import", sheet, "--period", "2026-01", "--yes").exit_code == 0
    assert cli(*w, "billing", "run", "--period", "2026-01").exit_code == 0
    sheets = libreoffice_csv(path, tmp_path / "lo")
    checked = 0
    with Workbook(path) as wb:
        for spec in schema.SHEETS:
            if not wb.has(spec):
                continue
            table = wb.read(spec)
            grid = sheets[table.name]
            for row in table.rows:
                cells = grid[row.number - 1]
                for key, idx in table.columns.items():
                    text = cells[idx] if idx < len(cells) else ""
                    assert same(row.values.get(key), text), (table.name, row.number, key, row.values.get(key), text)
                    checked += 1
        assert sum(1 for r in wb.read(schema.BILLS).rows if r["period"] == "2026-01") > 1500
    assert checked > 400_000
