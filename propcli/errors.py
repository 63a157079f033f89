"""Typed errors of the core. Each carries a message key and its parameters, so that the one boundary in
`cli/` can word it in the clerk's language and map it to an exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .i18n import tr


class Exit(IntEnum):
    """propcli's exit codes (DESIGN §4), the only place they are numbered."""

    OK = 0
    DATA = 1  # bad input or data (and an unexpected failure: cron must see it)
    USAGE = 2  # a bad option or argument (click exits with it by itself)
    CHECK = 3  # `check` (or `meters anomalies`) found problems
    BUSY = 4  # open in Excel/WPS/LibreOffice, another propcli writing, or changed under us
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


@dataclass(frozen=True)
class Location:
    """Where a problem is: workbook › sheet › row, column."""

    workbook: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def format(self, lang: str) -> str:
        parts = [p for p in (self.workbook, self.sheet) if p]
        where = " › ".join(parts)
        if self.row is not None:
            where += (" › " if where else "") + tr("loc.row", lang, row=self.row)
        if self.column:
            where += (("，" if lang == "zh" else ", ") if where else "") + self.column
        return where


@dataclass(frozen=True)
class Problem:
    """One finding of a check or a read: located, worded by key, with a hint on how to fix it."""

    check: str
    key: str
    location: Location
    value: object = None
    params: dict = field(default_factory=dict)
    column_key: str = ""  # the register's column key, for --fix
    fix: object = None  # the safe repair, when there is one

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def message(self, lang: str) -> str:
        return tr(self.key, lang, value=_show(self.value), **self.params)

    def hint(self, lang: str) -> str:
        return tr(self.key + ".hint", lang, value=_show(self.value), default="", **self.params)

    def format(self, lang: str) -> str:
        text = f"{self.location.format(lang)}: {self.message(lang)}"
        hint = self.hint(lang)
        return f"{text} — {hint}" if hint else text

    def as_dict(self, lang: str) -> dict:
        return {
            "check": self.check,
            "workbook": self.location.workbook,
            "sheet": self.location.sheet,
            "row": self.location.row,
            "column": self.location.column,
            "value": _show(self.value, quote=False),
            "message": self.message(lang),
            "hint": self.hint(lang),
            "fixable": self.fixable,
            "fix": _show(self.fix, quote=False) if self.fixable else None,
        }


def _show(value: object, quote: bool = True) -> str:
    if value is None:
        return "" if not quote else "''"
    text = str(value)
    return repr(text) if quote else text


class PropcliError(Exception):
    """Base of the core's errors: a message key, its parameters and an optional location."""

    exit_code: Exit = Exit.DATA

    def __init__(self, key: str, location: Location | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.location = location
        self.params = params

    def message(self, lang: str) -> str:
        text = tr(self.key, lang, **self.params)
        if self.location is not None:
            text = f"{self.location.format(lang)}: {text}"
        hint = tr(self.key + ".hint", lang, default="", **self.params)
        return f"{text} — {hint}" if hint else text

    def __str__(self) -> str:
        return self.message("en")


class DataError(PropcliError):
    """Bad input or bad data: exit 1."""


class UsageError(PropcliError):
    """The command was asked for something it cannot do (an unknown format, an output onto the
    workbook): exit 2, nothing written."""

    exit_code = Exit.USAGE


class RuleError(ValueError):
    """A rule of the domain or the store broken by one value: a message key, its parameters, and the column
    and value at fault. It knows no sheet or row and does no I/O; the caller that does turns it into a
    located DataError with `located`, or into a `Problem`."""

    def __init__(self, key: str, *, column: str = "", value: object = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.column = column
        self.value = value
        self.params = params


_AS_RAISED = object()


def located(exc: RuleError, location: Location | None = None, *, value: object = _AS_RAISED,
            **params: object) -> DataError:
    """The DataError that stops a command over `exc`, at `location` (None: a value typed on the command
    line). The value at fault is shown quoted: the rule's own, or `value` when the caller holds it as the
    clerk typed it; `params` add what the message needs beyond the rule's (the unit, the period)."""
    shown = exc.value if value is _AS_RAISED else value
    quoted = {} if shown is None and value is _AS_RAISED else {"value": repr(str(shown))}
    return DataError(exc.key, location, **{**exc.params, **quoted, **params})


class ProblemsError(DataError):
    """Several located problems that stop a command (e.g. an import or a strict read)."""

    def __init__(self, key: str, problems: list[Problem], **params: object) -> None:
        super().__init__(key, count=len(problems), **params)
        self.problems = problems

    def message(self, lang: str) -> str:
        head = super().message(lang)
        return "\n".join([head, *("  " + p.format(lang) for p in self.problems[:50])])


class WorkbookBusy(PropcliError):
    """The workbook is open in Excel/WPS/LibreOffice, another propcli is writing, or it changed under us."""

    exit_code = Exit.BUSY
