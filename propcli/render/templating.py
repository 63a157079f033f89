"""The Jinja environment: the clerk's own templates first, the shipped ones as fallback.

Search order, most specific first: a folder named on the command line (`--templates-dir`), the folder in
`PROPCLI_TEMPLATES`, a `模板/` folder beside the workbook, then the templates shipped with propcli. The first
folder holding a name wins, so a clerk overrides one template by dropping a file of the same name in one of
them. The shipped templates are also reachable as `shipped/NAME`, so an override can extend the original
(`{% extends "shipped/receipt.html.j2" %}`) and replace one block instead of copying the whole page.

Templates are strict (an undefined variable is an error, never an empty hole in a notice) and HTML is
autoescaped, so an owner named `<script>` prints as text. One environment is built per distinct list of
folders and reused: a month-end batch renders thousands of notices with one compiled template each.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateError, TemplateSyntaxError,
)

from ..errors import DataError

ENV_VAR = "PROPCLI_TEMPLATES"
BESIDE_WORKBOOK = "模板"  # a folder of the clerk's templates next to estate.xlsx
SHIPPED_PREFIX = "shipped"
# A source checkout (and the editable install, whose import finder cannot map a folder without
# __init__.py under a regular package): the top-level templates/ folder.
_SOURCE = Path(__file__).resolve().parents[2] / "templates"


def shipped_dir() -> Path:
    """The templates that come with propcli: `propcli/templates` in an installed wheel (pyproject.toml maps
    the top-level templates/ folder there), else the source tree's `templates/`."""
    try:
        spec = importlib.util.find_spec("propcli.templates")
    except ImportError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return _SOURCE


def template_dirs(user_dir: Path | None = None, workbook: Path | None = None) -> list[Path]:
    """The folders searched for a template, most specific first; the shipped folder is always last."""
    dirs: list[Path] = []
    env = os.environ.get(ENV_VAR)
    for folder in (user_dir, Path(env) if env else None):
        if folder is not None:
            dirs.append(folder.expanduser())
    if workbook is not None and (workbook.parent / BESIDE_WORKBOOK).is_dir():
        dirs.append(workbook.parent / BESIDE_WORKBOOK)
    shipped = shipped_dir().resolve()
    unique: list[Path] = []
    for d in (d.resolve() for d in dirs):
        if d not in unique and d != shipped:
            unique.append(d)
    return [*unique, shipped]


def _autoescape(name: str | None) -> bool:
    """HTML-escape everything but plain-text templates (an SMS must not say `&amp;`)."""
    return not (name or "").lower().endswith((".txt.j2", ".txt"))


TYPST_SUFFIX = ".typ.j2"  # Typst markup (the PDF engine's): data escaped for Typst, not for HTML


@lru_cache(maxsize=16)  # a process uses one or two search paths; tests use many
def _environment(dirs: tuple[Path, ...], typst: bool = False) -> Environment:
    from .cells import text

    shipped = FileSystemLoader(str(dirs[-1]))
    env = Environment(
        loader=ChoiceLoader([
            PrefixLoader({SHIPPED_PREFIX: shipped}),  # first: `shipped/…` always means the original
            *(FileSystemLoader(str(d)) for d in dirs[:-1]),
            shipped,
        ]),
        autoescape=False if typst else _autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        **({"finalize": typst_finalize} if typst else {}),
    )
    env.filters["cell"] = text
    env.filters["money"] = money_text
    return env


def environment(user_dir: Path | None = None, workbook: Path | None = None, *, typst: bool = False) -> Environment:
    """The environment for these folders, built on first use and then reused (`typst`: the one for
    `*.typ.j2`, whose every `{{ … }}` is escaped for Typst markup)."""
    return _environment(tuple(template_dirs(user_dir, workbook)), typst)


def money_text(value: object) -> str:
    """An amount with thousands separators, to the 分: 12345.6 → 12,345.60 (a notice's figures)."""
    from decimal import ROUND_HALF_UP, Decimal

    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


class TypstMarkup(str):
    """Typst source that is already markup (a rendered notice inside the pack): not escaped again."""


_TYPST_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def typst_escape(value: object) -> str:
    """Data as literal text in Typst markup: every ASCII punctuation mark backslash-escaped (`#`, `$`, `*`,
    `_`, `<`, `@`, `//`, `=`, `-`, `1.` … would otherwise be code, math, emphasis, labels, comments,
    headings or lists), line breaks as spaces. `张*三` and `{{7*7}}` print as typed."""
    text = str(value)
    return "".join("\\" + c if c in _TYPST_PUNCT else (" " if c in "\r\n\t\v\f" else c) for c in text)


def typst_finalize(value: object) -> str:
    if isinstance(value, TypstMarkup):
        return value
    if value is None:
        return ""
    return typst_escape(value)


def _variables(context: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(context) and not isinstance(context, type):
        return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}  # shallow: rows stay objects
    if isinstance(context, Mapping):
        return dict(context)
    raise TypeError(f"a template context is a mapping or a dataclass instance, not {type(context).__name__}")


def render(name: str, context: Any, *, user_dir: Path | None = None, workbook: Path | None = None) -> str:
    """Render template `name` with `context` (a mapping, or a dataclass whose fields become the variables).
    A template that cannot render (the clerk's own, most likely) stops with its file, line and reason."""
    return renderer(name, user_dir=user_dir, workbook=workbook)(context)


def renderer(name: str, *, user_dir: Path | None = None, workbook: Path | None = None) -> Callable[[Any], str]:
    """Template `name` compiled once, as a function of a context: a batch renders thousands with it."""
    try:
        template = environment(user_dir, workbook, typst=name.endswith(TYPST_SUFFIX)).get_template(name)
    except TemplateSyntaxError as exc:
        raise DataError("template.error", None, template=exc.filename or name, line=exc.lineno,
                        reason=exc.message) from exc
    except TemplateError as exc:
        raise DataError("template.error", None, template=name, line="?",
                        reason=exc.message or type(exc).__name__) from exc

    def run(context: Any) -> str:
        try:
            return template.render(**_variables(context))
        except TemplateError as exc:
            where = template.filename or name
            raise DataError("template.error", None, template=where, line=_line(exc, where) or "?",
                            reason=exc.message or type(exc).__name__) from exc

    return run


def _line(exc: BaseException, filename: str) -> int | None:
    """The template line a render stopped at (Jinja gives template frames the template's file name)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
