"""The month end's index page (`DIR/P/index.html`): the headline figures of the month and every file the
run made, linked, step by step. Figures only — no names, phones or ID numbers: it is for the manager."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..i18n import tr
from .contexts import Figure, FileLink, MonthEndPage, StepView
from .templating import renderer

if TYPE_CHECKING:
    from ..ops.monthend import Manifest, Options

# the headline figures: (key, the step that gives it, the figure's name in that step's record)
FIGURES = (("billed", "stats", "billed"), ("collected", "stats", "collected"),
           ("collection_rate", "stats", "collection_rate"), ("household_rate", "stats", "household_rate"),
           ("recovery_rate", "stats", "recovery_rate"), ("arrears", "arrears", "arrears"),
           ("debtors", "arrears", "debtors"), ("bills", "billing", "bills"), ("notices", "notices", "notices"),
           ("anomalies", "anomalies", "anomalies"))
LABELS = {"billed": "monthend.fig.billed", "collected": "monthend.fig.collected",
          "collection_rate": "monthend.fig.collection_rate", "household_rate": "monthend.fig.household_rate",
          "recovery_rate": "monthend.fig.recovery_rate", "arrears": "monthend.fig.arrears",
          "debtors": "monthend.fig.debtors", "bills": "monthend.fig.bills", "notices": "monthend.fig.notices",
          "anomalies": "monthend.fig.anomalies"}
STEP_NAMES = {"check": "monthend.step.check", "readings": "monthend.step.readings",
              "anomalies": "monthend.step.anomalies", "billing": "monthend.step.billing",
              "notices": "monthend.step.notices", "arrears": "monthend.step.arrears",
              "dunning": "monthend.step.dunning", "stats": "monthend.step.stats", "index": "monthend.step.index",
              "workbook": "monthend.step.workbook"}


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def index_html(manifest: Manifest, opts: Options, estate: dict[str, str], changed: bool) -> str:
    """The page, from the manifest (what each step recorded) and the files as they are in the folder."""
    lang = opts.lang
    figures = []
    for key, step, name in FIGURES:
        value = manifest.steps.get(step, {}).get("figures", {}).get(name)
        if key == "notices" and value is not None:  # printed: the payment notices and the dunning letters
            value = int(value) + int(manifest.steps.get("dunning", {}).get("figures", {}).get("letters", 0))
        shown = f"{value:,}" if isinstance(value, int) else ("—" if value in (None, "") else str(value))
        figures.append(Figure(key, tr(LABELS[key], lang), shown))
    steps = []
    for step in ("check", "readings", "anomalies", "billing", "notices", "arrears", "dunning", "stats"):
        rec = manifest.steps.get(step)
        files = []
        for name in (rec or {}).get("files", []):
            path = opts.folder / name
            if path.is_file():
                files.append(FileLink(name, path.suffix.lstrip(".").upper(), _size(path.stat().st_size)))
        summary = tr(rec["outcome"], lang, **rec.get("figures", {})) if rec else tr("monthend.not_done", lang)
        steps.append(StepView(step, tr(STEP_NAMES[step], lang), rec is not None,
                              str(rec.get("done") or "")[:16].replace("T", " ") if rec else "", summary, files))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = MonthEndPage(
        tr("monthend.title", lang, name=estate.get("name", ""), period=opts.period),
        tr("monthend.subtitle", lang, date=opts.as_of.isoformat(), time=now, workbook=manifest.data.get("workbook", "")),
        lang, estate, opts.period, figures, steps, tr("monthend.changed_by_hand", lang) if changed else "")
    return renderer("monthend.html.j2", user_dir=opts.templates_dir)(page)
