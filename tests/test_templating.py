"""Where templates come from (the clerk's folders before the shipped ones), one environment per search path,
strictness, and the CLI's --templates-dir."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from propcli.errors import DataError
from propcli.render import templating
from propcli.render.contexts import ColumnView, ReportPage, SectionView

ROOT = Path(__file__).resolve().parents[1]
RECEIPT_ARGS = ("payments", "record", "1-1-0802", "--amount", "100", "--method", "现金", "--date", "2026-11-23")


def _folder(path: Path, name: str, text: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def four(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A --templates-dir folder, a PROPCLI_TEMPLATES folder and a 模板/ folder beside a workbook, each
    holding its own table.html.j2 and, except the first, one name that only it and the later ones have."""
    explicit = _folder(tmp_path / "explicit", "table.html.j2", "explicit")
    env = _folder(tmp_path / "env", "table.html.j2", "env")
    _folder(env, "receipt.html.j2", "env")
    workbook = tmp_path / "office" / "estate.xlsx"
    beside = _folder(workbook.parent / "模板", "table.html.j2", "beside")
    _folder(beside, "receipt.html.j2", "beside")
    _folder(beside, "public.html.j2", "beside")
    monkeypatch.setenv("PROPCLI_TEMPLATES", str(env))
    return {"explicit": explicit, "env": env, "beside": beside, "workbook": workbook}


def test_search_order_most_specific_first(four: dict[str, Path]) -> None:
    dirs = templating.template_dirs(four["explicit"], four["workbook"])
    assert dirs == [four["explicit"].resolve(), four["env"].resolve(), four["beside"].resolve(),
                    templating.shipped_dir().resolve()]
    render = lambda name: templating.render(name, {}, user_dir=four["explicit"], workbook=four["workbook"])  # noqa: E731
    assert render("table.html.j2") == "explicit"  # --templates-dir beats all
    assert render("receipt.html.j2") == "env"  # PROPCLI_TEMPLATES beats 模板/
    assert render("public.html.j2") == "beside"  # 模板/ beats the shipped one
    env = templating.environment(four["explicit"], four["workbook"])
    assert Path(env.get_template("arrears.html.j2").filename).parent == templating.shipped_dir().resolve()


def test_shipped_when_nothing_is_overridden(tmp_path: Path) -> None:
    workbook = tmp_path / "estate.xlsx"  # no 模板/ beside it, no PROPCLI_TEMPLATES
    assert templating.template_dirs(None, workbook) == [templating.shipped_dir().resolve()]
    assert (templating.shipped_dir() / "receipt.html.j2").is_file()


def test_override_extends_the_shipped_template_of_the_same_name(tmp_path: Path) -> None:
    mine = _folder(tmp_path / "mine", "public.html.j2",
                   '{% extends "shipped/public.html.j2" %}{% block sign %}<div class="sign">{{ estate.name }} 物业服务中心'
                   '</div>{% endblock %}')
    context = ReportPage(
        "arrears.public", "欠费公示", "", "zh", {"name": "阳光<花园>", "company": "阳光物业", "address": "", "phone": "0755-1234"},
        {"as_of": dt.date(2026, 11, 23), "min_months": 3},
        [SectionView("debtors", "欠费公示", [ColumnView("unit_id", "房号", "id")], [{"unit_id": "1-1-0802"}], None, False)])
    shipped = templating.render("public.html.j2", context)
    html = templating.render("public.html.j2", context, user_dir=mine)
    assert html != shipped
    assert '<div class="sign">阳光&lt;花园&gt; 物业服务中心</div>' in html  # the override's block, autoescaped
    assert "阳光物业<br>2026 年 11 月 23 日" not in html  # the shipped sign block is replaced
    head, _, tail = shipped.partition('<div class="sign">')
    assert html.startswith(head)  # everything else is the shipped page, byte for byte
    assert html.endswith(tail.partition("</div>")[2])
    assert "<td>1</td><td class=\"id\">1-1-0802</td>" in html


def test_shipped_prefix_is_the_original_even_when_a_user_folder_has_a_shipped_subfolder(tmp_path: Path) -> None:
    mine = _folder(tmp_path / "mine" / "shipped", "table.html.j2", "impostor").parent
    html = templating.render("shipped/table.html.j2", ReportPage("r", "t", "", "zh", {}, {}, []), user_dir=mine)
    assert html.startswith("<!DOCTYPE html>")


def test_one_environment_per_search_path(tmp_path: Path, four: dict[str, Path]) -> None:
    first = templating.environment(four["explicit"], four["workbook"])
    assert templating.environment(four["explicit"], four["workbook"]) is first
    assert templating.environment(four["explicit"] / ".." / "explicit", four["workbook"]) is first  # same folders
    assert templating.environment(None, four["workbook"]) is not first
    assert templating.environment(None, four["workbook"]) is templating.environment(None, four["workbook"])


def test_strict_undefined_names_the_missing_variable(tmp_path: Path) -> None:
    mine = _folder(tmp_path, "hello.txt.j2", "您好，{{ owner }}：请缴 {{ amount_due }} 元")
    with pytest.raises(DataError) as caught:
        templating.render("hello.txt.j2", {"owner": "张三"}, user_dir=mine)
    # the clerk is told which file, which line and which variable
    assert caught.value.key == "template.error" and "amount_due" in str(caught.value.params["reason"])
    assert caught.value.params["template"].endswith("hello.txt.j2") and caught.value.params["line"] == 1
    broken = _folder(tmp_path / "broken", "b.html.j2", "<p>\n{% if x %}\n")
    with pytest.raises(DataError) as caught:
        templating.render("b.html.j2", {"x": 1}, user_dir=broken)
    assert caught.value.params["line"] in (2, 3) and caught.value.params["template"].endswith("b.html.j2")
    with pytest.raises(DataError, match="receipt_no"):  # a shipped template, its context incomplete
        templating.render("receipt.html.j2", {"estate": {"company": "x", "name": "y"}})


def test_a_dataclass_context_gives_its_fields_shallowly(tmp_path: Path) -> None:
    @dataclasses.dataclass
    class Line:
        item: str

    @dataclasses.dataclass
    class Notice:
        owner: str
        lines: list[Line]

    mine = _folder(tmp_path, "n.txt.j2", "{{ owner }}:{% for l in lines %}{{ l.item }};{% endfor %}")
    assert templating.render("n.txt.j2", Notice("A&B", [Line("物业费"), Line("水费")]), user_dir=mine) == "A&B:物业费;水费;"
    with pytest.raises(TypeError):
        templating.render("n.txt.j2", ["not", "a", "context"], user_dir=mine)


def test_html_is_escaped_text_is_not(tmp_path: Path) -> None:
    mine = _folder(tmp_path, "x.html.j2", "{{ v }}")
    _folder(mine, "x.txt.j2", "{{ v }}\n")
    assert templating.render("x.html.j2", {"v": "<b>&"}, user_dir=mine) == "&lt;b&gt;&amp;"
    assert templating.render("x.txt.j2", {"v": "<b>&"}, user_dir=mine) == "<b>&\n"  # keep_trailing_newline


def test_cli_templates_dir_beats_the_folder_beside_the_workbook(cli, sample: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _folder(sample.parent / "模板", "receipt.html.j2",
            '{% extends "shipped/receipt.html.j2" %}{% block foot %}<p>模板旁</p>{% endblock %}')
    out = tmp_path / "收据.html"
    result = cli("-w", sample, "-q", *RECEIPT_ARGS, "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<p>模板旁</p>" in html and "收　据" in html and "1-1-0802" in html and "经办人：" not in html

    mine = _folder(tmp_path / "mine", "receipt.html.j2", "{{ receipt_no }} {{ unit_id }}\n")
    result = cli("-w", sample, "--templates-dir", mine, "-q", "payments", "receipt", html.split('class="no">')[1].split("<")[0],
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").endswith(" 1-1-0802\n")


def test_cli_templates_dir_must_be_a_folder(cli, sample: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("-w", sample, "--templates-dir", tmp_path / "nowhere", "arrears", "public", "--as-of", "2026-11-23",
                 "-o", tmp_path / "p.html")
    assert result.exit_code == 2
    assert not (tmp_path / "p.html").exists()
