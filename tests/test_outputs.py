"""The one output path: formats chosen once (-o's extension or --format, an unknown one refused before
anything is written), JSON that is data, a table that never cuts an amount or a unit id, masking by
audience, and -o that can never overwrite the workbook."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.render import cells
from propcli.render.table import fold
from propcli.reports.model import Audience, Kind, Person, Report, Section, col

AS_OF = "2026-11-23"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


# -- the table never lies ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arrears_csv(sample_readonly) -> list[dict[str, str]]:
    from typer.testing import CliRunner

    from propcli.cli.app import app

    result = CliRunner().invoke(app, ["-w", str(sample_readonly), "-q", "arrears", "report", "--as-of", AS_OF, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return _csv(result.stdout)


@pytest.mark.parametrize("width", ["80", "120", "200", None])
def test_the_table_shows_every_unit_and_every_amount_whole(cli, sample, arrears_csv, monkeypatch, width) -> None:
    """The sample's arrears report on terminals 80, 120 and 200 wide, and into a pipe (no width): every
    unit id and every amount the CSV holds is in the text, whole (628171.45, not 628171.4)."""
    if width is None:
        monkeypatch.delenv("COLUMNS")
    else:
        monkeypatch.setenv("COLUMNS", width)
    result = cli("-w", sample, "-q", "arrears", "report", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    text = result.stdout
    tokens = set(re.split(r"[\s│┃|]+", text))
    money = ("物业费", "水费", "电费", "停车费", "有偿维修费", "欠费合计")
    units = [r["房号"] for r in arrears_csv[:-1]]
    amounts = [r[m] for r in arrears_csv for m in money if r[m]]
    assert len(units) == 117 and "628171.45" in amounts
    assert [u for u in units if u not in tokens] == []
    assert [a for a in amounts if a not in tokens] == []
    if width is not None:
        assert max(len(line) for line in text.splitlines()) <= int(width)  # CJK counts twice: cells ≤ width
    else:
        assert len([line for line in text.splitlines() if line.startswith("│ ")]) >= 113  # one line per debtor


def test_a_narrow_terminal_gets_one_block_per_row(cli, sample, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    text = cli("-w", sample, "-q", "arrears", "report", "--as-of", AS_OF, "--min-months", "24").stdout
    assert "── 1/" in text and "1-1-0802" in text and "12885.32" in text
    assert "合计（39 户）" in text and "509717.63" in text  # 509397.63 + 320.00 of 有偿维修费 bills past due (the CSV shows which)


def test_a_few_wide_rows_are_turned_on_their_side() -> None:
    from propcli.reports.model import Kind, Report, Section, col
    from propcli.render.formats import Options, to_text

    # two rows of 12 money columns: 12 × (9 + 2) + 4 = 136 cells, too wide for 60; turned, each line is a
    # label (≤ 4 cells) and two values (9 cells each, 2 apart): 4 + 2 × 11 = 26 cells
    columns = [col("row", "", ""), *(col(f"m{i}", f"金额{i}", f"m{i}", Kind.MONEY) for i in range(12))]
    rows = [{"row": "本月", **{f"m{i}": Decimal("123456.78") for i in range(12)}},
            {"row": "上月", **{f"m{i}": Decimal(i) for i in range(12)}}]
    text = to_text(Report("t", "", [Section("s", "比较", "compared", columns, rows)]), Options("zh", 60))
    lines = text.splitlines()
    assert lines[1].split() == ["本月", "上月"]
    assert lines[3].split() == ["金额0", "123456.78", "0.00"] and lines[-1].split() == ["金额11", "123456.78", "11.00"]
    assert max(len(line) for line in lines) <= 60 and "── 1/" not in text
    # a title wider than the turned table (26 cells) stays on one line: 44 cells of a 60-cell terminal
    title = "全公司 2026-10 月度收费统计（截至 2026-11-23，100 个小区）"
    titled = to_text(Report("t", title, [Section("s", "比较", "compared", columns, rows)]), Options("zh", 60))
    assert titled.splitlines()[0] == title and titled.splitlines()[1].split() == ["本月", "上月"]
    seven = [dict(rows[0], row=f"第{n}行") for n in range(7)]  # seven rows stay one block per row
    assert "── 1/7" in to_text(Report("t", "", [Section("s", "比较", "compared", columns, seven)]), Options("zh", 60))


def test_xlsx_sheet_names_are_ones_excel_takes(tmp_path) -> None:
    import openpyxl

    from propcli.reports.model import Kind, Report, Section, col
    from propcli.render.formats import Options, to_xlsx

    # Excel refuses []:*?/\ in a sheet name, more than 31 characters, an apostrophe at either end
    columns = [col("n", "数", "n", Kind.COUNT)]
    titles = ["collection rate: the bills", "a/b [c]*?\\", "'quoted'", "x" * 40]
    report = Report("t", "", [Section(f"s{i}", t, t, columns, [{"n": i}]) for i, t in enumerate(titles)])
    (tmp_path / "t.xlsx").write_bytes(to_xlsx(report, Options("en", None)))
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == [
        "collection rate- the bills", "a-b -c----", "quoted", "x" * 31]


def test_fold_breaks_labels_never_values() -> None:
    assert fold("欠费月数", 4) == "欠费\n月数"
    assert fold("合计（113 户）", 10) == "合计\n（113 户）"
    assert fold("房号", 8) == "房号"
    assert fold("total", 4) == "total"  # an English word is never cut in two
    assert fold("total (39 debtors)", 8) == "total\n(39\ndebtors)"


# -- choosing a format --------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("owners", "list", "-o", "{out}/owners.pdf"),
    ("owners", "list", "-o", "{out}/owners.xls"),
    ("owners", "show", "1-1-0101", "-f", "pdf"),
    ("payments", "receipt", "SJ2026000001", "-o", "{out}/r.pdf"),
    ("arrears", "report", "--as-of", AS_OF, "-o", "{out}/arrears.docx"),
    ("billing", "run", "--period", "2026-11", "-o", "{out}/bills.pdf"),
    ("payments", "record", "1-1-0802", "--amount", "10", "--date", AS_OF, "-o", "{out}/r.pdf"),
    ("check", "-o", "{out}/check.pdf"),
])
def test_an_extension_no_renderer_serves_is_a_usage_error_and_writes_nothing(cli, sample, tmp_path, args) -> None:
    out = tmp_path / "out"
    before = sha(sample)
    result = cli("-w", sample, *(a.format(out=out) for a in args))
    assert result.exit_code == 2, result.output
    assert "pdf" in result.stderr or "xls" in result.stderr or "docx" in result.stderr
    assert not out.exists() and sha(sample) == before
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "name", "sheets"), [
    (("owners", "show", "2-2-0202"), "show.xlsx", ["业主档案", "过户记录（1）"]),
    (("owners", "list"), "owners.xlsx", ["业主列表"]),
])
def test_every_report_takes_every_format(cli, sample, tmp_path, args, name, sheets) -> None:
    import openpyxl

    out = tmp_path / name
    result = cli("-w", sample, *args, "-o", out)
    assert result.exit_code in (0, 3), result.output
    assert openpyxl.load_workbook(out).sheetnames[: len(sheets)] == sheets
    html = cli("-w", sample, *args, "-f", "html").stdout
    assert html.startswith("<!DOCTYPE html>")


def test_a_text_file_is_the_table(cli, sample, tmp_path) -> None:
    out = tmp_path / "owners.txt"
    assert cli("-w", sample, "owners", "list", "-b", "3", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "3-2-1201" in text and "┃ 房号" in text and not any(line.endswith(" ") for line in text.splitlines())


# -- -o never onto the workbook -------------------------------------------------------------------------


def test_an_output_onto_the_workbook_is_refused(cli, sample, tmp_path, monkeypatch) -> None:
    before = sha(sample)
    (sample.parent / "sub").mkdir()
    link = tmp_path / "link.xlsx"
    link.symlink_to(sample)
    hard = tmp_path / "hard.xlsx"
    hard.hardlink_to(sample)
    monkeypatch.chdir(sample.parent)
    for target in (sample, Path("sub/../estate.xlsx"), link, hard):
        for args in (("owners", "list"), ("arrears", "report", "--as-of", AS_OF), ("bills", "summary")):
            result = cli("-w", sample, *args, "-o", target)
            assert result.exit_code == 2, (target, args, result.output)
            assert sha(sample) == before
    result = cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "10", "--date", AS_OF, "-o", sample)
    assert result.exit_code == 2 and sha(sample) == before  # refused before the payment, not after
    assert cli("-w", sample, "owners", "list", "-o", sample.parent / ".propcli" / "x.csv").exit_code == 2
    result = cli("-w", sample, "owners", "list", "-o", sample.parent / "sub")
    assert result.exit_code == 2 and "文件夹" in result.stderr
    assert sha(sample) == before


def test_a_failed_write_leaves_no_file(cli, sample, tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = cli("-w", sample, "owners", "list", "-o", folder / "owners.csv")
        if result.exit_code == 0:  # running as root: the folder's mode does not stop us
            pytest.skip("root can write a read-only folder")
        assert result.exit_code == 1 and "owners.csv" in result.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


# -- JSON is the data ---------------------------------------------------------------------------------


def test_json_keys_do_not_follow_the_language(cli, sample) -> None:
    zh = cli("-w", sample, "--lang", "zh", "arrears", "report", "--as-of", AS_OF, "-f", "json").stdout
    en = cli("-w", sample, "--lang", "en", "arrears", "report", "--as-of", AS_OF, "-f", "json").stdout
    assert zh == en
    data = json.loads(zh)
    assert data["report"] == "arrears.report" and data["params"]["as_of"] == AS_OF
    assert set(data) == {"report", "params", "debtors", "by_building", "by_item", "by_age"}
    d = data["debtors"]["rows"][0]
    assert isinstance(d["months"], int) and re.fullmatch(r"\d+\.\d\d", d["total"])
    assert d["owner"].keys() == {"name", "transfer_date", "unregistered"}


def test_json_of_a_transfer_and_a_promise_is_structured(cli, sample) -> None:
    data = json.loads(cli("-w", sample, "arrears", "report", "--as-of", AS_OF, "-f", "json").stdout)
    broken = [d for d in data["debtors"]["rows"] if d["promise"] and d["promise"]["broken"]]
    assert broken and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d["promise"]["date"]) for d in broken)


# -- masking by audience --------------------------------------------------------------------------------


def _report(audience: Audience) -> Report:
    columns = [col("unit", "房号", "unit", Kind.ID), col("owner", "业主", "owner", Kind.NAME),
               col("phone", "电话", "phone", Kind.PHONE), col("id_no", "证件号码", "id", Kind.IDNO),
               col("owed", "欠费", "owed", Kind.MONEY)]
    rows = [{"unit": "1-1-0101", "owner": "张三丰", "phone": "13812345678", "id_no": "11010519491231002X",
             "owed": Decimal("12.5")},
            {"unit": "1-1-0102", "owner": Person("李四", dt.date(2025, 4, 10)), "phone": None, "id_no": None,
             "owed": Decimal(0)}]
    return Report("t", "", [Section("s", "s", "s", columns, rows, {"owed": Decimal("12.5")})], audience=audience)


@pytest.mark.parametrize(("audience", "unmask", "name", "phone", "idno"), [
    (Audience.CLERK, False, "张三丰", "138****5678", "110105********002X"),
    (Audience.CLERK, True, "张三丰", "13812345678", "11010519491231002X"),
    (Audience.OFFICE, False, "张**", "138****5678", "110105********002X"),
    (Audience.OFFICE, True, "张三丰", "13812345678", "11010519491231002X"),
    (Audience.RECIPIENT, True, "张三丰", "138****5678", "110105********002X"),  # --unmask never for others
    (Audience.PUBLIC, True, "张**", "138****5678", "110105********002X"),
])
def test_masking_follows_the_audience_and_the_column_kinds(audience, unmask, name, phone, idno) -> None:
    rows = cells.masked(_report(audience), unmask).sections[0].rows
    assert (rows[0]["owner"], rows[0]["phone"], rows[0]["id_no"]) == (name, phone, idno)
    assert rows[1]["phone"] is None
    second = rows[1]["owner"]
    assert isinstance(second, Person) and second.transfer_date == dt.date(2025, 4, 10)
    assert second.name == ("李*" if name == "张**" else "李四")


def test_the_public_list_is_masked_even_when_asked_not_to_be(cli, sample) -> None:
    text = cli("-w", sample, "arrears", "public", "--as-of", AS_OF, "-f", "json").stdout
    names = [r["owner"]["name"] for r in json.loads(text)["debtors"]["rows"]]
    assert names and all(re.fullmatch(r".\*+", n) for n in names)
    assert "phone" not in text


def test_cells_show_money_to_the_fen_and_ratios_as_percent() -> None:
    assert cells.text(Decimal("1234.5"), Kind.MONEY) == "1234.50"
    assert cells.text(Decimal("0.95125"), Kind.PERCENT) == "95.13%"
    assert cells.data(Decimal("0.95125"), Kind.PERCENT) == "0.9513"
    assert cells.data(Decimal("1234.5"), Kind.MONEY) == "1234.50"
    assert cells.data(dt.date(2026, 1, 2)) == "2026-01-02"
    assert cells.neutralise("=1+1") == "'=1+1" and cells.neutralise("1-1-0101") == "1-1-0101"


def test_a_write_command_checks_its_output_before_it_writes(cli, sample, tmp_path) -> None:
    """An .html link to the workbook is refused before the payment is recorded, not after."""
    link = sample.parent / "收据.html"
    link.symlink_to(sample)
    before = sha(sample)
    result = cli("-w", sample, "payments", "record", "1-1-0802", "--amount", "10", "--date", AS_OF, "-o", link)
    assert result.exit_code == 2, result.output
    assert sha(sample) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_output_ending_in_a_slash_is_a_folder_not_a_file(cli, sample, monkeypatch, lang) -> None:
    monkeypatch.chdir(sample.parent)
    for args in (("owners", "list"), ("arrears", "report", "--as-of", AS_OF)):
        result = cli("-w", sample, "--lang", lang, *args, "-o", "reports/")
        assert result.exit_code == 2
        assert ("是文件夹" if lang == "zh" else "is a folder") in result.output
        assert not (sample.parent / "reports").exists()


@pytest.mark.parametrize(("args", "text"), [
    (("owners", "transfer", "1-1-0201", "--to", "王五", "--date", "{future}"), "过户日期"),
    (("billing", "run", "--period", "{month}"), "账期"),
])
def test_a_future_transfer_or_period_needs_yes_when_no_one_can_be_asked(cli, sample, args, text) -> None:
    """Within the window but after today: cron (no terminal) changes nothing without --yes; with it, it goes."""
    import datetime as dt

    ahead = dt.date.today() + dt.timedelta(days=62)
    args = [a.replace("{future}", ahead.isoformat()).replace("{month}", f"{ahead:%Y-%m}") for a in args]
    before = sha(sample)
    result = cli("-w", sample, *args)
    assert result.exit_code == 1 and text in result.stderr and "--yes" in result.stderr
    assert sha(sample) == before
    assert cli("-w", sample, *args, "--yes").exit_code == 0
    assert sha(sample) != before
