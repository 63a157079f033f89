"""Values that should never be accepted (issue 17 §4), at their two depths: what the clerk types (the
parse helpers of cli/common and the argument check of the boundary) and what a cell holds (store.normalize,
by column kind; a report's money columns). Every refusal exits 1 (2 for a click range), names the option or
the sheet/row/column and the value, and leaves the workbook's bytes as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from propcli.store import normalize as nz
from propcli.store.normalize import ValueProblem
from propcli.store.schema import Kind
from tests.fixtures.ledger import build, owner, rate

D = Decimal
TODAY = dt.date(2026, 11, 28)  # the helpers take today as an argument: a fixed day, worked by hand


# -- cells, by column kind ---------------------------------------------------------------------------

BAD_CELLS = [
    (Kind.MONEY, float("nan"), "value.not_finite"),
    (Kind.MONEY, float("inf"), "value.not_finite"),
    (Kind.MONEY, float("-inf"), "value.not_finite"),
    (Kind.MONEY, "NaN", "value.not_finite"),
    (Kind.MONEY, "nan", "value.not_finite"),
    (Kind.MONEY, "Infinity", "value.not_finite"),
    (Kind.MONEY, "-inf", "value.not_finite"),
    (Kind.MONEY, "sNaN", "value.not_finite"),
    (Kind.MONEY, "1e309", "value.too_large"),  # as text it is a finite Decimal, 1 followed by 309 zeros
    (Kind.MONEY, 1e20, "value.too_large"),
    (Kind.MONEY, "1000000000000", "value.too_large"),  # 10^12: the first number refused
    (Kind.MONEY, "-1e15", "value.too_large"),
    (Kind.MONEY, 1.234, "value.money_places"),
    (Kind.MONEY, "0.001", "value.money_places"),
    (Kind.MONEY, "176.7675", "value.money_places"),
    (Kind.MONEY, "12,345.678", "value.money_places"),
    (Kind.MONEY, "abc", "value.not_number"),
    (Kind.MONEY, True, "value.bool"),
    (Kind.DECIMAL, float("nan"), "value.not_finite"),
    (Kind.DECIMAL, float("inf"), "value.not_finite"),
    (Kind.DECIMAL, "1e309", "value.too_large"),
    (Kind.DECIMAL, 1e15, "value.too_large"),
    (Kind.DECIMAL, "1E+12", "value.too_large"),
    (Kind.INT, -1, "value.negative"),
    (Kind.INT, "-3", "value.negative"),
    (Kind.INT, 1.5, "value.not_whole"),
    (Kind.INT, 10**6, "value.too_large"),
    (Kind.INT, "1e7", "value.too_large"),
    (Kind.INT, float("nan"), "value.not_finite"),
    (Kind.PERIOD, "0000-01", "value.not_period"),
    (Kind.PERIOD, "000001", "value.not_period"),
]


@pytest.mark.parametrize(("kind", "raw", "key"), BAD_CELLS, ids=[f"{k.value}-{r!r}" for k, r, _ in BAD_CELLS])
def test_a_cell_no_register_can_mean_is_refused_by_kind(kind: Kind, raw: object, key: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.coerce(raw, kind)
    assert exc.value.key == key


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    (Kind.MONEY, 176.76999999999998, D("176.77")),  # a float cell's binary noise is the amount it stands for
    (Kind.MONEY, 0.1 + 0.2, D("0.30")),
    (Kind.MONEY, "¥1,234.50", D("1234.50")),
    (Kind.MONEY, "１２３４．５", D("1234.5")),
    (Kind.MONEY, -250, D(-250)),  # a credit line may be negative; only what the clerk types is not
    (Kind.MONEY, "999999999999.99", D("999999999999.99")),
    (Kind.DECIMAL, "101.0101", D("101.0101")),
    (Kind.DECIMAL, 0.4883, D("0.4883")),
    (Kind.INT, 0, 0),
    (Kind.INT, "5", 5),
    (Kind.INT, 999999, 999999),
])
def test_sane_cells_still_read(kind: Kind, raw: object, expected: object) -> None:
    assert nz.coerce(raw, kind) == expected


# -- typed values: the rules of cli/common --------------------------------------------------------------

@pytest.mark.parametrize(("typed", "key"), [
    ("1e20", "value.too_large"), ("nan", "value.not_finite"), ("NaN", "value.not_finite"),
    ("inf", "value.not_finite"), ("-inf", "value.not_finite"), ("1e309", "value.too_large"),
    ("1.234", "value.money_places"), ("0.005", "value.money_places"), ("-5", "value.amount_sign"),
    ("0", "value.amount_sign"), ("-0.01", "value.amount_sign"), ("0.00", "value.amount_sign"),
    ("10000000.01", "value.above_ceiling"), ("20000000", "value.above_ceiling"), ("abc", "value.not_number"),
    ("", "value.not_number"), ("1 000", "value.not_number"),
])
def test_an_amount_typed_is_finite_to_the_fen_above_zero_and_under_the_ceiling(typed: str, key: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.check_amount(typed)
    assert exc.value.key == key


def test_amounts_at_the_edges() -> None:
    assert nz.check_amount("10000000") == D("10000000")  # the ceiling itself is allowed
    assert nz.check_amount("0.01") == D("0.01")
    assert nz.check_amount("0", zero_ok=True) == 0
    with pytest.raises(ValueProblem) as exc:
        nz.check_amount("-5", zero_ok=True)
    assert exc.value.key == "value.negative"
    assert nz.check_amount("20000000", D("50000000")) == D("20000000")  # an estate that raised 金额上限
    with pytest.raises(ValueProblem) as exc:
        nz.check_amount("500.01", D("500"))
    assert exc.value.params["ceiling"] == "500.00"


@pytest.mark.parametrize(("setting", "ceiling"), [("", D("10000000")), (None, D("10000000")), ("5000", D("5000")),
                                                  ("50,000,000", D("50000000")), ("1000000.50", D("1000000.50"))])
def test_the_estate_ceiling(setting: object, ceiling: Decimal) -> None:
    assert nz.money_ceiling(setting) == ceiling


@pytest.mark.parametrize("setting", ["abc", "0", "-1", "nan", "1e20", "12.345"])
def test_a_ceiling_setting_that_is_not_an_amount(setting: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.money_ceiling(setting)
    assert exc.value.key == "value.ceiling_setting"


@pytest.mark.parametrize("typed", ["-1", "-0.5", "nan", "inf", "1e309", "1e12", "abc"])
def test_a_quantity_typed_is_sane_and_not_negative(typed: str) -> None:
    with pytest.raises(ValueProblem):
        nz.check_quantity(typed)


# today 2026-11-28: +366 days is 2027-11-29 (2027 has no 29 February); +5×366 = 1830 days is 2031-12-02
# (five years are 1826 days with 2028-02-29, then 4 more)
@pytest.mark.parametrize("day", [dt.date(1999, 12, 31), dt.date(1, 1, 1), dt.date(1900, 1, 1),
                                 dt.date(9999, 12, 31), dt.date(2027, 11, 30), dt.date(2100, 1, 1)])
def test_a_day_outside_2000_to_a_year_ahead_is_refused(day: dt.date) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.check_day(day, TODAY)
    assert exc.value.key == "value.day_window"
    assert exc.value.params == {"earliest": "2000-01-01", "latest": "2027-11-29"}


def test_the_day_window_edges_and_a_planned_day() -> None:
    assert nz.check_day(dt.date(2000, 1, 1), TODAY) == dt.date(2000, 1, 1)
    assert nz.check_day(dt.date(2027, 11, 29), TODAY) == dt.date(2027, 11, 29)
    assert nz.check_day(dt.date(2031, 12, 2), TODAY, planned=True) == dt.date(2031, 12, 2)
    for day in (dt.date(2031, 12, 3), dt.date(9999, 12, 31), dt.date(1999, 12, 31)):
        with pytest.raises(ValueProblem):
            nz.check_day(day, TODAY, planned=True)


@pytest.mark.parametrize("period", ["1999-12", "9999-12", "2027-12", "2100-01", "1900-01", "0001-01"])
def test_a_period_outside_2000_to_a_year_ahead_is_refused(period: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.check_period(period, TODAY)
    assert exc.value.params == {"earliest": "2000-01", "latest": "2027-11"}


def test_the_period_window_edges() -> None:
    assert nz.check_period("2000-01", TODAY) == "2000-01"
    assert nz.check_period("2027-11", TODAY) == "2027-11"


BAD_UNITS = [
    ("../../etc/passwd", "'.'"), ("a/b", "'/'"), ("..\\x", "'.'"), ("x\\y", "'\\\\'"), ("1-1\x01", "'\\x01'"),
    ("1-1\x1b[31m", "'\\x1b'"), ("A42/B11/B12", "'/'"), ("1.2.3", "'.'"), ("3-2-1201;rm", "';'"),
    ("3-2-1201'", '"\'"'), ("<b>1</b>", "'<'"), ("1-1-101*", "'*'"), ("~/x", "'~'"), ("$HOME", "'$'"),
    ("1-1-101?", "'?'"), ("3栋|2", "'|'"), ("C:x", "':'"), ("1-1-101（甲）", "'('"),  # NFKC: （ is (
]


@pytest.mark.parametrize(("unit", "bad"), BAD_UNITS, ids=[u for u, _ in BAD_UNITS])
def test_a_unit_id_is_letters_digits_dash_and_unit_words(unit: str, bad: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.check_unit_id(unit)
    assert exc.value.key == "value.unit_id" and exc.value.params["bad"] == bad


@pytest.mark.parametrize(("unit", "stored"), [
    ("3-2-1201", "3-2-1201"), ("3栋2单元1201", "3栋2单元1201"), ("3号楼2单元1201室", "3号楼2单元1201室"),
    ("B座#1201", "B座#1201"), ("C1首层112铺", "C1首层112铺"), ("０３－０２－１２０１", "03-02-1201"),
    (" 1-1-101\n", "1-1-101"), ("商铺-A01", "商铺-A01"),
])
def test_unit_ids_as_clerks_write_them_are_taken(unit: str, stored: str) -> None:
    assert nz.check_unit_id(unit) == stored


def test_an_absurdly_long_unit_id_is_refused() -> None:
    with pytest.raises(ValueProblem) as exc:
        nz.check_unit_id("1" * 41)
    assert exc.value.key == "value.unit_id_length" and exc.value.params["n"] == 41
    assert nz.check_unit_id("1" * 40) == "1" * 40


# -- on the command line --------------------------------------------------------------------------------

def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two units billed for 2025-01 (250.00 and 200.00), nothing paid; shared by the refusals below,
    which must all leave it as it is."""
    from tests.conftest import Cli

    path = build(tmp_path_factory.mktemp("values") / "estate.xlsx",
                 owners=[owner("1-1-101", area="100"), owner("1-1-102", area="80", name="李四")],
                 rates=[rate("物业费", "按面积", "2.50")])
    assert Cli()("-w", path, "billing", "run", "--period", "2025-01").exit_code == 0
    return path


FAR = (dt.date.today() + dt.timedelta(days=400)).isoformat()  # past a year from the day the test runs
REFUSED = [
    # (arguments, the option or column named, the value named)
    *((("payments", "record", "1-1-101", "--amount", v), "--amount", v)
      for v in ("1e20", "nan", "inf", "-inf", "NaN", "1e309", "1.234", "-5", "0", "10000000.01", "12,345.678")),
    *((("payments", "record", "1-1-101", "--amount", "100", "--date", v), "--date", v)
      for v in ("9999-12-31", "1999-12-31", "1900-01-01", FAR)),
    *((("billing", "run", "--period", v, "--dry-run"), "--period", v)
      for v in ("0000-01", "9999-12", "1999-12", "2100-01", FAR[:7])),
    *((("bills", "summary", "--period", v), "--period", v) for v in ("0000-01", "9999-12")),
    *((("arrears", "report", "--as-of", v), "--as-of", v) for v in ("9999-12-31", "1999-01-01", "0001-01-01")),
    *((("arrears", "log", "1-1-101", "--channel", "电话", "--outcome", "承诺", "--promise", v), "--promise", v)
      for v in ("9999-12-31", "1999-01-01")),
    *((("arrears", "log", "1-1-101", "--channel", "电话", "--outcome", "x", "--date", v), "--date", v)
      for v in ("9999-12-31", FAR)),
    *((("owners", "add", u, "--name", "王五", "--area", "90"), "房号", u.replace("\\", "\\\\"))
      for u in ("../../etc/passwd", "a/b", "..\\x", "A42/B11/B12", "1.2.3", "3-2-1201;rm")),
    *((("owners", "add", "9-9-901", "--name", "王五", "--area", v), "建筑面积", v)
      for v in ("1e309", "-5", "0", "nan", "inf", "1e12")),
    *((("owners", "add", "9-9-901", "--name", "王五", "--area", "90", "--household", v), "常住人口", v)
      for v in ("-1", "1.5", "1e7", "nan")),
    *((("owners", "update", "1-1-101", "--household", v), "常住人口", v) for v in ("-1", "-100")),
    *((("owners", "update", "1-1-101", "--area", v), "建筑面积", v) for v in ("1e309", "-0.5")),
    *((("owners", "transfer", "1-1-101", "--to", "钱七", "--date", "2025-03-01", "--settled", v), "--settled", v)
      for v in ("-5", "1e20", "nan", "1.234")),
    *((("owners", "transfer", "1-1-101", "--to", "钱七", "--date", v), "--date", v) for v in ("9999-12-31", "1999-05-01")),
    *((("meters", "record", "1-1-101", "--meter", "水表", "--reading", v), "--reading", v)
      for v in ("-1", "nan", "1e309", "inf")),
    *((("owners", "move-in", "1-1-101", "--date", "2025-01-01", "--water", v), "--water", v) for v in ("-3", "nan")),
]


@pytest.mark.parametrize(("args", "where", "value"), REFUSED, ids=[" ".join(a) for a, _, _ in REFUSED])
def test_a_value_typed_that_no_clerk_means_is_refused_named(cli, small: Path, args, where: str, value: str) -> None:
    before = sha(small)
    r = cli("-w", small, *args)
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "内部错误" not in r.stderr and "Traceback" not in r.stderr
    assert where in r.stderr and value in r.stderr and " — " in r.stderr  # named, with a hint
    assert sha(small) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("digits", ["0", "-1", "13", "99999"])
def test_a_rollover_with_absurd_digits_is_refused_in_the_clerks_language(cli, small: Path, digits: str,
                                                                         lang: str) -> None:
    before = sha(small)
    r = cli("-w", small, "--lang", lang, "meters", "record", "1-1-101", "--meter", "水表", "--reading", "5",
            "--rollover", "--digits", digits)
    assert r.exit_code == 1 and "--digits" in r.stderr and f"'{digits}'" in r.stderr
    assert ("1 至 12" if lang == "zh" else "between 1 and 12") in r.stderr
    assert sha(small) == before


@pytest.mark.parametrize("months", ["0", "-3"])
def test_min_months_below_one_is_refused_in_the_clerks_language(cli, small: Path, months: str) -> None:
    for lang, text in (("zh", "小于 1"), ("en", "below 1")):
        r = cli("-w", small, "--lang", lang, "arrears", "report", "--min-months", months)
        assert r.exit_code == 1 and "--min-months" in r.stderr and text in r.stderr


ARGUMENTS = [
    (("owners", "add", "\udcb2\udce2", "--name", "x", "--area", "90"), "arg.not_utf8", "\\xb2\\xe2"),
    (("owners", "add", "9-9-901", "--name", "\udcd5\udcc5\udcc8\udcfd", "--area", "90"), "arg.not_utf8",
     "\\xd5\\xc5\\xc8\\xfd"),  # 张三 in GBK
    (("owners", "find", "\udcb2"), "arg.not_utf8", "\\xb2"),
    (("payments", "record", "1-1-101", "--amount", "100", "--notes", "\udcff"), "arg.not_utf8", "\\xff"),
    (("owners", "add", "9-9-901", "--name", "王\x07五", "--area", "90"), "arg.control", "王\\x07五"),
    (("owners", "add", "9-9-901", "--name", "王\x00五", "--area", "90"), "arg.control", "王\\x00五"),
    (("owners", "add", "1-1\x1b[31m", "--name", "x", "--area", "90"), "arg.control", "\\x1b"),
    (("owners", "update", "1-1-101", "--notes", "a\x0bb"), "arg.control", "a\\x0bb"),
    (("owners", "update", "1-1-101", "--notes", "a\x85b"), "arg.control", "a\\x85b"),
    (("owners", "add", "9-9-901", "--name", "张" * 100_000, "--area", "90"), "arg.too_long", "100000"),
    (("owners", "update", "1-1-101", "--notes", "x" * 32_768), "arg.too_long", "32768"),
]


@pytest.mark.parametrize(("args", "key", "shown"), ARGUMENTS, ids=[k + str(i) for i, (_, k, _) in enumerate(ARGUMENTS)])
def test_an_argument_that_is_not_text_a_cell_can_hold_is_refused(cli, small: Path, args, key: str, shown: str) -> None:
    from propcli.i18n import tr

    before = sha(small)
    r = cli("-w", small, *args)
    assert r.exit_code == 1 and shown in r.stderr
    assert tr(key + ".hint", "zh") in r.stderr
    assert sha(small) == before
    en = cli("--lang", "en", "-w", small, *args)
    assert en.exit_code == 1 and tr(key + ".hint", "en") in en.stderr


def test_what_is_allowed_still_is(cli, small: Path, tmp_path: Path) -> None:
    path = tmp_path / "estate.xlsx"
    shutil.copyfile(small, path)
    ok = [
        ("payments", "record", "1-1-101", "--amount", "10000000", "--dry-run"),  # the ceiling itself
        ("payments", "record", "1-1-101", "--amount", "0.01", "--date", "2000-01-01", "--dry-run"),
        ("owners", "transfer", "1-1-102", "--to", "钱七", "--date", "2025-03-01", "--settled", "0", "--dry-run"),
        ("owners", "add", "3栋2单元1201", "--name", "王五", "--area", "90", "--household", "0", "--dry-run"),
        ("owners", "update", "1-1-101", "--notes", "第一行\n第二行\t制表", "--dry-run"),
        ("owners", "update", "1-1-101", "--notes", "x" * 32_767, "--dry-run"),
        ("arrears", "report", "--as-of", (dt.date.today() + dt.timedelta(days=800)).isoformat()),  # looking ahead
        ("payments", "list", "--from", "1990-01-01", "--to", "9999-12-31"),  # a filter's bounds may be anything
        ("meters", "record", "1-1-101", "--meter", "水表", "--reading", "5", "--period", "2025-01", "--rollover",
         "--digits", "12", "--dry-run"),
    ]
    for args in ok:
        r = cli("-w", path, *args)
        assert r.exit_code == 0, (args, r.stderr)
    r = cli("-w", path, "arrears", "log", "1-1-101", "--channel", "电话", "--outcome", "承诺两年内缴清",
            "--promise", (dt.date.today() + dt.timedelta(days=700)).isoformat())  # a promise: the future is the point
    assert r.exit_code == 0, r.stderr


def test_the_estate_can_raise_the_ceiling(cli, tmp_path: Path) -> None:
    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-101")], settings={"money_ceiling": "50000000"})
    r = cli("-w", path, "payments", "record", "1-1-101", "--amount", "20000000.00")
    assert r.exit_code == 0, r.stderr
    assert "20000000.00" in r.stderr  # all of it prepaid: 1-1-101 预存余额 20000000.00 元
    r = cli("-w", path, "payments", "record", "1-1-101", "--amount", "50000000.01")
    assert r.exit_code == 1 and "50,000,000.00" in r.stderr


def test_a_ceiling_setting_that_is_not_an_amount_is_named(cli, tmp_path: Path) -> None:
    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-101")], settings={"money_ceiling": "很多"})
    before = sha(path)
    r = cli("-w", path, "payments", "record", "1-1-101", "--amount", "100")
    assert r.exit_code == 1 and "小区信息" in r.stderr and "金额上限" in r.stderr and "很多" in r.stderr
    assert sha(path) == before


# -- cells that reach a report --------------------------------------------------------------------------

def _sheet_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="([^"]+)"', wb).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).removeprefix("/xl/")


def with_cell(src: Path, dest: Path, sheet: str, header: str, nth: int, cell_xml: str) -> tuple[int, str]:
    """A copy of `src` whose `nth` data row of `sheet` holds `cell_xml` under `header` (found with calamine,
    not through propcli); returns that row's number and the cell reference."""
    grid = CalamineWorkbook.from_path(str(src)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    h = next(i for i, row in enumerate(grid) if header in [str(c).strip() for c in row])
    col = [str(c).strip() for c in grid[h]].index(header)
    number = h + 1 + nth
    ref = f"{chr(ord('A') + col)}{number}"
    part = _sheet_part(src, sheet)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                text, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell_xml.format(ref=ref), data.decode(), count=1)
                assert n == 1, ref
                data = text.encode()
            zout.writestr(item, data)
    return number, ref


BAD_AMOUNTS = [  # a number cell is named as the number it reads as: 1e309 overflows a double to inf
    ('<c r="{ref}"><v>1e309</v></c>', "'inf'"),
    ('<c r="{ref}"><v>NaN</v></c>', "'nan'"),
    ('<c r="{ref}"><v>-1e309</v></c>', "'-inf'"),
    ('<c r="{ref}"><v>1E+20</v></c>', "'1e+20'"),
    ('<c r="{ref}"><v>1.234</v></c>', "1.234"),
    ('<c r="{ref}"><v>12000000</v></c>', "12000000"),  # above the default 金额上限
    ('<c r="{ref}" t="inlineStr"><is><t>NaN</t></is></c>', "NaN"),
    ('<c r="{ref}" t="inlineStr"><is><t>1e309</t></is></c>', "1e309"),
    ('<c r="{ref}" t="inlineStr"><is><t>二百五</t></is></c>', "二百五"),
]


@pytest.mark.parametrize("column", ["金额", "已收"])
@pytest.mark.parametrize(("cell", "shown"), BAD_AMOUNTS, ids=[s for _, s in BAD_AMOUNTS])
@pytest.mark.parametrize("command", [("arrears", "report", "--as-of", "2025-06-30"), ("bills", "summary"),
                                     ("arrears", "report", "--as-of", "2025-06-30", "-f", "json")])
def test_a_money_cell_no_report_can_sum_is_named(cli, small: Path, tmp_path: Path, column: str, cell: str,
                                                   shown: str, command: tuple[str, ...]) -> None:
    path = tmp_path / "estate.xlsx"
    number, _ = with_cell(small, path, "应收账单", column, 2, cell)  # the second bill, 1-1-102's
    before = sha(path)
    r = cli("-w", path, *command)
    assert r.exit_code == 1, r.stdout
    assert "内部错误" not in r.stderr and "Traceback" not in r.stderr
    assert f"应收账单 › 第 {number} 行" in r.stderr and column in r.stderr and shown in r.stderr
    assert sha(path) == before


@pytest.mark.parametrize(("cell", "shown"), BAD_AMOUNTS[:5], ids=[s for _, s in BAD_AMOUNTS[:5]])
def test_a_bad_payment_amount_cell_is_listed_blank_and_named_by_check(cli, small: Path, tmp_path: Path, cell: str,
                                                                      shown: str) -> None:
    first = tmp_path / "a.xlsx"
    shutil.copyfile(small, first)
    assert cli("-w", first, "payments", "record", "1-1-101", "--amount", "100", "--date", "2025-02-01").exit_code == 0
    path = tmp_path / "estate.xlsx"
    number, _ = with_cell(first, path, "收款记录", "金额", 1, cell)
    for args in (("payments", "list"), ("payments", "list", "-f", "json"), ("owners", "show", "1-1-101"),
                 ("arrears", "report", "--as-of", "2025-06-30")):  # lists and reports that sum no payment amount
        r = cli("-w", path, *args)
        assert r.exit_code == 0 and "内部错误" not in r.stderr, (args, r.stderr)
    r = cli("-w", path, "check")
    assert r.exit_code == 3 and f"收款记录 › 第 {number} 行，金额: '{shown.strip(chr(39))}'" in r.stdout
