"""propcli notices render: each kind on a small estate whose every amount is worked out by hand below,
golden pages (HTML, SMS text and the PDF's extracted text), never issued twice, escaping for HTML and
Typst, bad input, and the payment notices of the sample reconciling with `bills summary`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.fixtures.ledger import build, owner

D = Decimal
NAMES = {"1-1-0101": "<script>", "1-1-0102": "#李_四$", "2-1-0101": "张*三", "2-1-0201": "{{7*7}}"}
pdftotext = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")


def _bill(n: int, unit: str, period: str, item: str, amount: str, paid: str = "0", status: str = "未缴",
          detail: str = "") -> dict:
    y, m = int(period[:4]), int(period[5:])
    due = dt.date(y + (m == 12), m % 12 + 1, 15)
    return {"bill_id": f"ZD{period.replace('-', '')}{n:06d}", "unit_id": unit, "period": period, "item": item,
            "amount": D(amount), "paid": D(paid), "status": status, "due_date": due, "detail": detail}


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    """Four households; the bills below are the whole register.

    1-1-0101 <script>: 2026-10 物业费 250.00 + 水费 60.00 = 310.00 (this period), and 2026-09 物业费 250.00 of which
             100.00 paid → 150.00 earlier unpaid. Total due 310.00 + 150.00 = 460.00 (肆佰陆拾元整).
    1-1-0102 #李_四$: 2026-10 物业费 1,234.56 unpaid → due 1,234.56 (壹仟贰佰叁拾肆元伍角陆分).
    2-1-0101 张*三: 2026-10 物业费 300.00 paid → due 0.00.
    2-1-0201 {{7*7}}: 2026-10 物业费 200.00 waived (减免) → due 0.00.
    Period 2026-10 in all: 金额 250 + 60 + 1234.56 + 300 + 200 = 2,044.56; 已收 300.00; owing (less the waiver)
    2044.56 − 300 − 200 = 1,544.56.
    """
    owners = [dict(owner(u, name=n), phone=f"1380013{i:04d}") for i, (u, n) in enumerate(NAMES.items())]
    path = build(tmp_path / "estate.xlsx", owners=owners,
                 settings={"address": "测试市阳光路 1 号", "bank_account": "招商银行 7559 0000 0001"})
    bills = [
        _bill(1, "1-1-0101", "2026-09", "物业费", "250.00", "100.00", "部分", "100.00㎡ × 2.50元/㎡·月 = 250.00"),
        _bill(1, "1-1-0101", "2026-10", "物业费", "250.00", detail="100.00㎡ × 2.50元/㎡·月 = 250.00"),
        _bill(2, "1-1-0101", "2026-10", "水费", "60.00", detail="水表 100→112，用量 12m³：第1档 12×5.00=60 = 60"),
        _bill(3, "1-1-0102", "2026-10", "物业费", "1234.56", detail="493.82㎡ × 2.50元/㎡·月 = 1234.55 ≈ 1234.56"),
        _bill(4, "2-1-0101", "2026-10", "物业费", "300.00", "300.00", "已缴"),
        _bill(5, "2-1-0201", "2026-10", "物业费", "200.00", "0", "减免"),
    ]
    payment = {"receipt_no": "SJ2026000001", "unit_id": "1-1-0101", "paid_on": dt.date(2026, 10, 20),
               "amount": D("100.00"), "method": "现金", "operator": "前台小王",
               "allocations": "ZD202609000001:100.00"}
    with Workbook(path, write=True) as wb:
        wb.append(wb.read(schema.BILLS, required=False), bills, journal=False)
        wb.append(wb.read(schema.PAYMENTS, required=False), [payment], journal=False)
        wb.commit("test fixture")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(pdf: Path) -> str:
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # type: ignore[list-item]


def _issued(path: Path) -> list[dict]:
    with Workbook(path) as wb:
        return [r.values for r in wb.read(schema.NOTICES, required=False).rows]


# -- each kind, by hand --------------------------------------------------------------------------


@needs_pdftotext
def test_payment_notice_states_the_hand_computed_amounts(cli, estate, tmp_path) -> None:
    out = tmp_path / "out" / "缴费.pdf"
    r = cli("-w", estate, "notices", "render", "payment", "--period", "2026-10", "--as-of", "2026-11-01", "-o", out)
    assert r.exit_code == 0, r.output
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    text = _text(out)
    for page in (html, text):
        assert "460.00" in page and "人民币肆佰陆拾元整" in page  # 310.00 + 150.00 earlier
        assert "1,234.56" in page and "人民币壹仟贰佰叁拾肆元伍角陆分" in page  # thousands separator, 大写
        assert "水表 100→112，用量 12m³" in page  # the bill's 计算明细
        assert "招商银行 7559 0000 0001" in page and "0755-88886666" in page  # 收款账户, 服务电话 from 小区信息
        assert "2026-11-15" in page  # 应缴日期
        for unit in NAMES:
            assert unit in page
    assert "签收单" in text and re.search(r"2\s*栋\s*·\s*第\s*4\s*页\s*/\s*共\s*4\s*页", text)
    # each building: separator, 签收单 and its 2 notices, numbered within the building; the PDF is the two joined
    rows = _issued(estate)
    assert [(x["kind"], x["ref_period"], x["unit_id"], x["channel"]) for x in rows] == [
        ("缴费通知单", "2026-10", u, "纸质") for u in ("1-1-0101", "1-1-0102", "2-1-0101", "2-1-0201")]
    # pages: 1 separator + 1 签收单 for building 1, then its two notices on pages 3 and 4
    assert [x["page"] for x in rows][:2] == [3, 4] and rows[0]["file"] == "缴费.pdf"


@needs_pdftotext
@pytest.mark.parametrize("kind, args", [
    ("payment", ["--period", "2026-10", "--units", "1-1-0101"]),
    ("reminder", ["--units", "1-1-0101"]),
    ("demand", ["--units", "1-1-0101"]),
    ("outage", ["--scope", "1-1", "--kind", "停水", "--from", "2026-12-01 08:00", "--to", "2026-12-01 18:00",
                "--reason", "二次供水水箱清洗"]),
    ("receipt", ["--receipts", "SJ2026000001"]),
])
def test_one_notice_of_each_kind_matches_its_golden_pages(cli, estate, tmp_path, golden, kind, args) -> None:
    out = tmp_path / f"{kind}.pdf"
    r = cli("-w", estate, "notices", "render", kind, "--as-of", "2026-11-23", *args, "-o", out)
    assert r.exit_code == 0, r.output
    golden(f"notices/{kind}.html", out.with_suffix(".html").read_text(encoding="utf-8"))
    golden(f"notices/{kind}.pdf.txt", _text(out))
    if kind != "receipt":
        sms = tmp_path / f"{kind}.csv"
        assert cli("-w", estate, "notices", "render", kind, "--as-of", "2026-11-23", *args, "-o", sms).exit_code == 0
        golden(f"notices/{kind}.sms.csv", sms.read_text(encoding="utf-8-sig"))


@needs_pdftotext
def test_arrears_letters_by_hand_and_never_a_utility_cut(cli, estate, tmp_path) -> None:
    """As of 2026-11-23 1-1-0101 owes 150.00 (2026-09, due 2026-10-15) + 250.00 + 60.00 (2026-10, due 2026-11-15)
    = 460.00; its oldest debt is 39 days overdue: in its 2nd overdue month; 15 days to pay → 2026-12-08."""
    for kind in ("reminder", "demand", "payment", "outage"):
        extra = {"payment": ["--period", "2026-10"], "outage": ["--scope", "1", "--kind", "停电", "--from", "12-01 08:00",
                                                               "--to", "12-01 12:00", "--reason", "配电房检修"]}.get(kind, [])
        out = tmp_path / f"{kind}.pdf"
        units = ["--units", "1-1-0101"] if kind != "outage" else []
        r = cli("-w", estate, "notices", "render", kind, "--as-of", "2026-11-23", "--days", "15", *units, *extra,
                "-o", out)
        assert r.exit_code == 0, r.output
        text = _text(out)
        html = out.with_suffix(".html").read_text(encoding="utf-8")
        if kind in ("reminder", "demand"):
            assert "460.00" in text and "肆佰陆拾元整" in text and "2026-12-08" in text
            assert re.search(r"逾期\s*2\s*个月", text) and "1-1-0102" not in text
        if kind == "demand":
            assert "第九百四十四条" in text and "EMS" in text and "盖章" in text
        for page in (text, html):  # the only mention of cutting a supply is the law forbidding it
            flat = re.sub(r"\s+", "", page)
            assert re.findall(r"停止供[电水热燃]", flat) == (["停止供电"] if kind == "demand" else [])
            assert "不得采取停止供电、供水、供热、供燃气" in flat or kind != "demand"
            assert not re.search(r"(将|予以|暂停).{0,4}(停水|停电|停气|断水|断电)", flat) or kind == "outage"


@needs_pdftotext
def test_outage_posted_notice_has_no_personal_data_and_sms_reaches_every_household(cli, estate, tmp_path) -> None:
    out = tmp_path / "停水.pdf"
    args = ["--scope", "1", "--kind", "停水", "--from", "2026-12-01 08:00", "--to", "2026-12-01 18:00",
            "--reason", "水箱清洗"]
    assert cli("-w", estate, "notices", "render", "outage", *args, "-o", out).exit_code == 0
    text, html = _text(out), out.with_suffix(".html").read_text(encoding="utf-8")
    for page in (text, html):
        assert "停水通知" in page and "1栋1单元" in page
        assert not re.search(r"1380013", page) and "李" not in page and "script" not in page.replace("<script", "")
    sms = tmp_path / "停水.csv"
    r = cli("-w", estate, "notices", "render", "outage", *args, "-o", sms)
    rows = list(csv.reader(sms.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["手机号", "房号", "内容", "字数", "条数"]
    assert sorted(r[1] for r in rows[1:]) == ["1-1-0101", "1-1-0102"]  # building 1's households
    assert all(r[2].startswith("【测试花园】") and int(r[3]) == len(r[2]) and int(r[4]) == -(-len(r[2]) // 70)
               for r in rows[1:])
    assert "完整手机号" in r.output


def test_outage_for_arrears_is_refused(cli, estate, tmp_path) -> None:
    before = _sha(estate)
    r = cli("-w", estate, "notices", "render", "outage", "--scope", "1", "--kind", "停水", "--from", "a", "--to", "b",
            "--reason", "欠费停水", "-o", tmp_path / "x.pdf")
    assert r.exit_code == 1 and "不得以停水" in r.output
    assert _sha(estate) == before and not list(tmp_path.glob("x.*"))


# -- escaping --------------------------------------------------------------------------------------


@needs_pdftotext
def test_owner_names_print_literally_in_pdf_and_html(cli, estate, tmp_path) -> None:
    out = tmp_path / "n.pdf"
    assert cli("-w", estate, "notices", "render", "payment", "--period", "2026-10", "-o", out).exit_code == 0
    text = _text(out)
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    for name in NAMES.values():
        assert name in text, name
        assert name.replace("<", "&lt;").replace(">", "&gt;") in html, name
    assert "<script>" not in html and "49" not in re.sub(r"\d{3,}|\d+\.\d+|\d+-\d+", "", text)


# -- never issued twice ------------------------------------------------------------------------------


def test_a_second_run_skips_what_was_issued_and_reissue_prints_again(cli, estate, tmp_path) -> None:
    run = ["-w", estate, "notices", "render", "payment", "--period", "2026-10"]
    assert cli(*run, "--units", "1-1-0101", "-o", tmp_path / "a.html").exit_code == 0
    r = cli(*run, "-o", tmp_path / "b.html")
    assert r.exit_code == 0 and "3 份待出具，1 份已出具过" in r.output
    assert "1-1-0101" not in (tmp_path / "b.html").read_text(encoding="utf-8")
    before = _sha(estate)
    r = cli(*run, "-o", tmp_path / "c.html")
    assert r.exit_code == 0 and "4 份都已出具过" in r.output and not (tmp_path / "c.html").exists()
    assert _sha(estate) == before
    r = cli(*run, "--units", "1-1-0102", "--reissue", "-o", tmp_path / "d.html")
    assert r.exit_code == 0 and (tmp_path / "d.html").exists()
    rows = _issued(estate)
    assert len(rows) == 1 + 3 + 1 and len({x["batch"] for x in rows}) == 3
    # the SMS channel is apart from paper: the payment SMS goes to the two units that owe
    r = cli(*run, "-o", tmp_path / "s.csv")
    assert r.exit_code == 0 and "2 份待出具" in r.output


def test_dry_run_lists_and_writes_nothing(cli, estate, tmp_path) -> None:
    before = _sha(estate)
    r = cli("-w", estate, "notices", "render", "payment", "--period", "2026-10", "--dry-run", "-o", tmp_path / "x.pdf")
    assert r.exit_code == 0
    assert "1-1-0101\tTZ" in r.stdout and "460.00" in r.stdout and "<*" in r.stdout  # the addressee masked
    assert _sha(estate) == before and list(tmp_path.glob("x.*")) == []


def test_log_records_the_demand_letter_for_the_dunning_ladder(cli, estate, tmp_path) -> None:
    r = cli("-w", estate, "notices", "render", "demand", "--as-of", "2026-11-23", "--log", "-o", tmp_path / "d.html")
    assert r.exit_code == 0, r.output
    with Workbook(estate) as wb:
        logged = [x.values for x in wb.read(schema.REMINDERS).rows]
    assert [(x["unit_id"], x["channel"], x["date"]) for x in logged] == [
        (u, "催缴函", dt.date(2026, 11, 23)) for u in ("1-1-0101", "1-1-0102")]  # both owe on 11-23
    r = cli("-w", estate, "arrears", "log", "1-1-0101", "--channel", "催缴函", "--outcome", "EMS 已寄出",
            "--tracking-no", "EA123456789CN", "--date", "2026-11-24")
    assert r.exit_code == 0, r.output
    with Workbook(estate) as wb:  # the letter's own row got its number: still one 催缴函 contact for the ladder
        logged = [x.values for x in wb.read(schema.REMINDERS).rows]
    assert [(x["unit_id"], x["date"], x["tracking_no"], x["outcome"]) for x in logged][0] == (
        "1-1-0101", dt.date(2026, 11, 23), "EA123456789CN", "已发催缴函（批次 TZ20261123-01）；EMS 已寄出")
    assert len(logged) == 2


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, code, words", [
    (["letter", "-o", "x.pdf"], 2, "没有 'letter' 这种通知"),
    (["payment", "--period", "2026-08", "-o", "x.pdf"], 1, "账期 2026-08"),
    (["payment", "--period", "2026-10", "--units", "9-9-0909", "-o", "x.pdf"], 1, "9-9-0909"),
    (["outage", "--scope", "7", "--kind", "停水", "--from", "a", "--to", "b", "--reason", "检修", "-o", "x.pdf"], 1, "--scope 7"),
    (["payment", "--period", "2026-10", "-o", "x.docx"], 2, "docx"),
    (["receipt", "--date", "2026-10-20", "-o", "x.csv"], 2, "收据没有短信"),
    (["payment", "--period", "2026-10", "-o", "/proc/x/y.pdf"], 1, "无法写入"),
])
def test_bad_input_says_why_and_changes_nothing(cli, estate, tmp_path, monkeypatch, args, code, words) -> None:
    monkeypatch.chdir(tmp_path)
    before = _sha(estate)
    r = cli("-w", estate, "notices", "render", *args)
    assert r.exit_code == code, r.output
    assert words in r.output
    assert _sha(estate) == before
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(("x.", ".x."))]


def test_a_template_with_an_unknown_variable_is_named_with_its_line(cli, estate, tmp_path) -> None:
    own = tmp_path / "tpl" / "notices" / "payment"
    own.mkdir(parents=True)
    (own / "letter.html.j2").write_text("<h1>缴费通知单</h1>\n<p>{{ unit_id }}</p>\n<p>{{ arrears_total }}</p>\n",
                                        encoding="utf-8")
    before = _sha(estate)
    r = cli("-w", estate, "--templates-dir", tmp_path / "tpl", "notices", "render", "payment", "--period", "2026-10",
            "-o", tmp_path / "x.html")
    assert r.exit_code == 1
    assert "letter.html.j2" in r.output and "第 3 行" in r.output and "arrears_total" in r.output
    assert _sha(estate) == before and not list(tmp_path.glob("*x.html*"))


# -- the sample estate: every payment notice reconciles with bills summary -------------------------


def test_payment_notices_reconcile_with_bills_summary(sample_readonly) -> None:
    from propcli.ops import bills, notices

    with Workbook(sample_readonly) as wb:
        periods = sorted({p for p in wb.columns(schema.BILLS, ("period",))["period"] if p})
        period = periods[-1]
        batch = notices.payment(wb, period, dt.date(2026, 11, 1), notices.Scope(), wb.settings(), "T")
        _, total = bills.summary(wb, period=period)
    amount = sum((n.current_total for n in batch.notices), D(0))
    paid = sum((n.current_total - n.current_owing for n in batch.notices), D(0))
    owing = sum((n.current_owing for n in batch.notices), D(0))
    assert (amount, owing) == (total.amount, total.owing)
    assert paid == total.paid + total.waived  # a waived bill shows nothing owing
    assert len(batch.notices) == len({n.unit_id for n in batch.notices}) > 0
    for n in batch.notices:  # each notice adds up on its own
        assert n.total_due == sum((b.owing for b in [*n.lines, *n.earlier]), D(0))


@needs_pdftotext
def test_no_line_starts_with_closing_punctuation(cli, sample, tmp_path) -> None:
    out = tmp_path / "p.pdf"
    r = cli("-w", sample, "notices", "render", "demand", "--as-of", "2026-11-23", "--min-months", "12",
            "--building", "1", "-o", out)
    assert r.exit_code == 0, r.output
    lines = _visual_lines(out)
    assert len(lines) > 100 and not [ln for ln in lines if ln[0] in "，。；：）」、"]


def _visual_lines(pdf: Path) -> list[str]:
    """The PDF's lines as a reader sees them: words on one baseline, left to right (plain pdftotext starts a
    new line where Typst tucks a closing mark under the one before it, e.g. `）；`)."""
    xml = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # type: ignore[list-item]
    lines: dict[tuple[int, float], list[tuple[float, str]]] = {}
    for n, page in enumerate(xml.split("<page ")[1:]):
        for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page):
            lines.setdefault((n, round(float(y))), []).append((float(x), word))
    return ["".join(w for _, w in sorted(words)) for _, words in sorted(lines.items())]


@needs_pdftotext
def test_split_building_writes_one_pdf_per_building_and_one_html(cli, estate, tmp_path) -> None:
    out = tmp_path / "n.pdf"
    r = cli("-w", estate, "notices", "render", "payment", "--period", "2026-10", "--split", "building", "-o", out)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("n*")) == ["n-1栋.pdf", "n-2栋.pdf", "n.html"]
    one, two = _text(tmp_path / "n-1栋.pdf"), _text(tmp_path / "n-2栋.pdf")
    assert "1-1-0101" in one and "1-1-0102" in one and "2-1-0101" not in one
    assert "2-1-0101" in two and "2-1-0201" in two and "1-1-0101" not in two
    rows = _issued(estate)
    assert [(x["unit_id"], x["file"], x["page"]) for x in rows] == [
        ("1-1-0101", "n-1栋.pdf", 3), ("1-1-0102", "n-1栋.pdf", 4), ("2-1-0101", "n-2栋.pdf", 3),
        ("2-1-0201", "n-2栋.pdf", 4)]


def test_a_sheet_is_added_to_a_workbook_declaring_r_on_each_sheet(estate, tmp_path) -> None:
    """openpyxl with lxml writes `<sheet xmlns:r="…" r:id=…>` (no xmlns:r on <workbook>): a sheet added on first
    use (通知记录 in an older workbook) must declare the prefix too, or the workbook no longer opens."""
    import zipfile

    ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(estate) as src, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode().replace(" " + ns, "", 1)
                assert ns not in text
                data = text.replace("<sheet ", f"<sheet {ns} ").encode()
            dst.writestr(info, data)
    from xml.etree import ElementTree

    from propcli.store.package import Package, add_sheet_parts

    replace, _ = add_sheet_parts(Package(moved), "新表", b"<worksheet/>", {}, {})
    ElementTree.fromstring(replace["xl/workbook.xml"])  # well-formed: every prefix bound
