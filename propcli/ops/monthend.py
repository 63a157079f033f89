"""Month end in one run: check → import the readers' sheets → meter anomalies → bill the period → payment
notices → arrears report and today's dunning list → dunning letters → monthly statistics → an index page,
every output in `DIR/P/`. Each step calls the same operations as its own command, in this process, on one
Workbook held open (and locked) for the whole run.

Resumable and idempotent:
- `DIR/P/manifest.json` records each finished step (when, the workbook's SHA-256 after it, the files it
  made, its headline figures), rewritten atomically after every step. A second run skips what is done.
- A step that changes the workbook commits as `month-end P STEP`, so its journal rows (操作日志) say it
  happened even if the run died before the manifest was written; such a step is then marked done.
- Nothing is billed or issued twice: billing is idempotent per period (ops.billing); a notice or letter is
  issued once per 类型/账期/房号/渠道 (通知记录, ops.issuing); a letter's 催缴记录 row is staged in the
  same commit as its 通知记录 row, and a logged step is no longer due. A step's files are written before
  its commit: after a kill between the two the step runs again and writes them again, the same bytes
  under the same batch number; after the commit the files are already in place.
- A workbook changed by hand since the last step (its SHA differs from the manifest's) keeps the steps
  that changed the workbook or issued something (they are never repeated), and redoes the reports that
  read it (arrears, statistics, index).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import faults
from ..domain.readings import Anomaly
from ..errors import DataError, Location
from ..i18n import tr
from ..reports import arrears as arrears_reports
from ..reports import ledger as ledger_reports
from ..reports import stats as stats_reports
from ..reports.model import Report
from ..render import cells, formats
from ..store import schema
from ..store.safety import write_beside
from ..store.workbook import Workbook, content_sha256
from . import arrears as arrears_ops
from . import billing as billing_ops
from . import checking, issued, meters
from . import notices as notice_ops
from . import stats as stats_ops
from .issuing import Files, Issuing
from .ledger import estate_of
from .units import building_lookup

STEPS = ("check", "readings", "anomalies", "billing", "notices", "arrears", "dunning", "stats", "index")
WRITES = ("readings", "billing", "notices", "dunning")  # steps that commit to the workbook
REDO_ON_CHANGE = ("arrears", "stats", "index")  # steps that only read it: redone after a change by hand
# Checks whose findings make bills wrong (a unit twice, an area or rate that cannot bill, a cell that is no
# value, in the registers billing reads: checking.before_billing): they stop the run. The rest (a phone, an
# ID number, a date, the dunning ladder) are listed for the clerk.
BLOCKING = ("duplicate-unit", "required", "area", "unknown-unit", "error-cells", "types", "billing", "meters")
# 催缴规则 steps a month end carries out itself: (notice kind, output, 催缴记录 channel). 电话, 上门, 律师函
# and 诉讼 are people's work: they stay on the day's list.
LETTERS = {"书面通知": ("reminder", "pdf", "书面通知"), "短信": ("reminder", "sms", "短信"),
           "催缴函": ("demand", "pdf", "催缴函")}


@dataclass
class Options:
    period: str
    as_of: dt.date
    folder: Path  # DIR/P
    readings: list[Path] = field(default_factory=list)
    yes: bool = False  # go on past unexplained anomalies
    lang: str = "zh"
    templates_dir: Path | None = None
    force: bool = False


@dataclass
class Outcome:
    """What one step did, for the log line: `key` names the message (monthend.step.*), `figures` fill it."""

    step: str
    key: str
    figures: dict[str, object] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class Stopped(Exception):
    """The run stopped for the clerk to look at something (check errors, anomalies): exit 3."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.key)
        self.outcome = outcome


def put(target: Path, data: str | bytes) -> None:
    """A file of the folder written whole or not at all (a temporary file beside it, renamed into place)."""
    os.replace(write_beside(target, data.encode("utf-8") if isinstance(data, str) else data), target)


# -- the manifest ----------------------------------------------------------------------------------


class Manifest:
    """`DIR/P/manifest.json`: the steps done, each with the workbook's SHA after it, its files and figures."""

    def __init__(self, folder: Path, period: str) -> None:
        self.path = folder / "manifest.json"
        self.data: dict = {"period": period, "steps": {}}
        if self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise DataError("monthend.manifest", Location(str(self.path)), path=str(self.path)) from None
            if self.data.get("period") != period or not isinstance(self.data.get("steps"), dict):
                raise DataError("monthend.manifest", Location(str(self.path)), path=str(self.path))

    @property
    def steps(self) -> dict[str, dict]:
        return self.data["steps"]

    def done(self, step: str) -> bool:
        return step in self.steps

    @property
    def sha(self) -> str | None:
        shas = [s.get("sha256") for s in self.steps.values() if s.get("sha256")]
        return self.data.get("sha256") or (shas[-1] if shas else None)

    def record(self, outcome: Outcome, sha: str) -> None:
        self.steps[outcome.step] = {"done": dt.datetime.now().replace(microsecond=0).isoformat(), "sha256": sha,
                                    "outcome": outcome.key, "files": outcome.files, "figures": outcome.figures}
        self.data["sha256"] = sha
        self.save()

    def forget(self, steps: tuple[str, ...]) -> None:
        for s in steps:
            self.steps.pop(s, None)

    def save(self) -> None:
        put(self.path, json.dumps(self.data, ensure_ascii=False, indent=1, default=str))

    def figures(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for s in STEPS:
            out.update(self.steps.get(s, {}).get("figures", {}))
        return out

    def files(self) -> list[tuple[str, str]]:
        return [(s, f) for s in STEPS for f in self.steps.get(s, {}).get("files", [])]


def journaled(wb: Workbook, period: str) -> set[str]:
    """The steps of this period's month end whose commit is in 操作日志 (`month-end P STEP`)."""
    if not wb.has(schema.JOURNAL):
        return set()
    prefix = f"month-end {period} "
    return {str(c)[len(prefix):] for c in wb.columns(schema.JOURNAL, ("command",))["command"]
            if c and str(c).startswith(prefix)}


# -- the run ---------------------------------------------------------------------------------------


class Run:
    """One month end over a Workbook opened for writing by the caller; `say` hears each step's outcome."""

    def __init__(self, wb: Workbook, opts: Options, say: Callable[[Outcome], None]) -> None:
        self.wb, self.o, self.say = wb, opts, say
        self.manifest = Manifest(opts.folder, opts.period)
        self.changed_by_hand = False
        self._rep: arrears_ops.Report | None = None

    def run(self) -> None:
        """Every step not done yet, in order; raises Stopped when the clerk must look first."""
        recovered = self._recover()
        sha = content_sha256(self.wb.path)
        if self.manifest.sha and self.manifest.sha != sha and not recovered:
            self.changed_by_hand = True
            self.manifest.forget(REDO_ON_CHANGE)
            self.say(Outcome("workbook", "monthend.changed_by_hand"))
        elif not self.manifest.steps:
            self.manifest.data.update(as_of=self.o.as_of.isoformat(), workbook=self.wb.name)
        for step in STEPS:
            if self.manifest.done(step):
                self.say(Outcome(step, "monthend.skipped"))
                continue
            outcome = getattr(self, f"_{step}")()
            self.manifest.record(outcome, content_sha256(self.wb.path))
            self.say(outcome)

    def _recover(self) -> list[str]:
        """Steps whose commit is in the journal but not in the manifest (a kill between the two). Each is run
        again: it finds its work done (nothing billed, issued or logged twice) and records its figures."""
        found = [s for s in STEPS if s in WRITES and s in journaled(self.wb, self.o.period)
                 and not self.manifest.done(s)]
        for step in found:
            self.say(Outcome(step, "monthend.recovered"))
        return found

    def _present(self, *names: str) -> list[str]:
        """Of a step's files (their names are fixed), those in the folder: a run again that issues nothing new
        keeps the pack it made before."""
        return [n for n in names if (self.o.folder / n).is_file()]

    def _commit(self, step: str) -> bool:
        result = self.wb.commit(f"month-end {self.o.period} {step}")
        if result.written:
            faults.point(f"month-end.{step}.committed")
        return result.written

    def _write(self, name: str, data: str | bytes) -> str:
        put(self.o.folder / name, data)
        return name

    def _report(self, name: str, report: Report) -> str:
        """A report into the folder, masked for its audience, in the format its extension names."""
        renderer = formats.choose(Path(name), None)
        shown = formats.for_renderer(cells.masked(report, False), renderer)
        return self._write(name, renderer.render(shown, formats.Options(self.o.lang, None, self.o.templates_dir,
                                                                          self.wb.path)))

    # -- the steps -------------------------------------------------------------------------------

    def _check(self) -> Outcome:
        problems = checking.before_billing(self.wb)
        blocking = [p for p in problems if p.check in BLOCKING]
        files = [self._report("检查结果.csv", ledger_reports.problems(problems, self.o.lang))] if problems else []
        figures = {"problems": len(problems), "blocking": len(blocking)}
        if blocking:
            raise Stopped(Outcome("check", "monthend.check_stop", {**figures, "first": blocking[0].format(self.o.lang)},
                                  files))
        return Outcome("check", "monthend.check_done" if problems else "monthend.check_clean", figures, files)

    def _readings(self) -> Outcome:
        if not self.o.readings:
            return Outcome("readings", "monthend.readings_none")
        files: list[str] = []
        taken = already = rejected = 0
        for path in self.o.readings:
            result = meters.import_file(self.wb, path, period=self.o.period, lang=self.o.lang)
            if result.rejected:
                errors = self._write(f"读数导入错误-{path.stem}.csv", meters.errors_csv(result, self.o.lang))
                files.append(errors)
                if not self.o.yes:  # as `meters import` with no one to ask: nothing is taken
                    raise _rejected(path, result, self.o.folder / errors, self.o.lang)
            taken, already, rejected = taken + len(result.taken), already + result.already, rejected + len(result.rejected)
        self._commit("readings")
        return Outcome("readings", "monthend.readings_done", {"readings": taken, "already": already,
                                                              "rejected": rejected, "files": len(self.o.readings)},
                       files)

    def _anomalies(self) -> Outcome:
        found = meters.anomalies(self.wb, self.o.period)
        files = [self._report(f"读数异常-{self.o.period}.xlsx", ledger_reports.anomalies(found, self.o.period, self.o.lang))] if found else []
        open_ = unexplained(self.wb, found)
        figures = {"anomalies": len(found), "unexplained": len(open_)}
        if open_ and not self.o.yes:
            raise Stopped(Outcome("anomalies", "monthend.anomalies_stop", figures, files))
        return Outcome("anomalies", "monthend.anomalies_done" if found else "monthend.anomalies_none", figures, files)

    def _billing(self) -> Outcome:
        result = billing_ops.run(self.wb, self.o.period)
        self.wb.before_replace.append(lambda: faults.point("month-end.billing"))
        self._commit("billing")
        self.wb.before_replace.clear()
        bills = period_bills(self.wb, self.o.period)
        totals = billing_ops.BillingRun(self.o.period, new=bills)
        files = [self._report(f"账单汇总-{self.o.period}.xlsx", ledger_reports.billing_totals(totals, self.o.lang,
                                                                          building_lookup(self.wb)))] if bills else []
        amount = sum((b["amount"] for b in bills), Decimal(0))
        return Outcome("billing", "monthend.billing_done", {"bills": len(bills), "new_bills": len(result.new),
                                                            "billed": f"{amount:,.2f}", "changed": len(result.changed)},
                       files)

    def _notices(self) -> Outcome:
        wb, o = self.wb, self.o
        batch_no = issued.batch_id(wb, o.as_of)
        batch = notice_ops.payment(wb, o.period, o.as_of, notice_ops.Scope(), estate_of(wb), batch_no, o.lang)
        runs = [self._issuing(batch, batch_no, "pdf", f"缴费通知-{o.period}.pdf"), self._issuing(batch, batch_no, "sms", f"缴费短信-{o.period}.csv")]
        counts = [r.choose() for r in runs]
        issues = self._issue(runs, counts)
        faults.point("month-end.notices")  # the files are in place, the 通知记录 rows not yet written
        issued.record(wb, batch_no, dt.datetime.now(), issues)
        self._commit("notices")
        done = issued_count(wb, o.period)
        return Outcome("notices", "monthend.notices_done",
                       {"notices": done[("缴费通知单", "纸质")], "sms": done[("缴费通知单", "短信")],
                        "new_notices": counts[0][0], "new_sms": counts[1][0]},
                       self._present(*(r.output.name for r in runs), runs[0].output.with_suffix(".html").name))

    def _issuing(self, batch: notice_ops.Batch, batch_no: str, target: str, name: str) -> Issuing:
        return Issuing(self.wb, batch, batch_no, target, self.o.folder / name, lang=self.o.lang,
                       templates_dir=self.o.templates_dir, workbook=self.wb.path)

    def _issue(self, runs: list[Issuing], counts: list[tuple[int, int]]) -> list[issued.Issue]:
        """Render each run that has something new, and put its files in place."""
        files, issues = Files(), []
        try:
            for run, (fresh, _) in zip(runs, counts):
                if fresh:
                    issues.extend(run.render(files))
        except BaseException:
            files.discard()
            raise
        files.install()
        return issues

    def _arrears(self) -> Outcome:
        rep, estate = self._arrears_report(), estate_of(self.wb)
        day = self.o.as_of.isoformat()
        files = [self._report(f"欠费报表-{day}.xlsx", arrears_reports.debtors(rep, estate, self.o.lang)),
                 self._report(f"今日催缴-{day}.xlsx", arrears_reports.due(rep, estate, self.o.lang))]
        due = sum(len(d.plan.due(rep.as_of)) for d in rep.debtors)
        return Outcome("arrears", "monthend.arrears_done", {"arrears": f"{rep.total:,.2f}", "debtors": len(rep.debtors),
                                                            "due": due, "warnings": len(rep.warnings())}, files)

    def _arrears_report(self) -> arrears_ops.Report:
        """The arrears as of the run's day, made once for the arrears step and the letters (nothing is written
        between them)."""
        if self._rep is None:
            self._rep = arrears_ops.report(self.wb, self.o.as_of)
        return self._rep

    def _dunning(self) -> Outcome:
        wb, o = self.wb, self.o
        rep = self._arrears_report()
        units: dict[str, list[str]] = {}
        for d in rep.debtors:
            if d.former is None:
                for a in d.plan.due(o.as_of):
                    if a.step.channel in LETTERS:
                        units.setdefault(a.step.channel, []).append(d.unit)
        batch_no, estate, day = issued.batch_id(wb, o.as_of), estate_of(wb), o.as_of.isoformat()
        runs, logged_as = [], []
        for channel, (kind, target, logged) in LETTERS.items():
            if not units.get(channel):
                continue
            batch = notice_ops.arrears(wb, kind, o.as_of, notice_ops.Scope(units=tuple(units[channel])), estate,
                                       batch_no, lang=o.lang, rep=rep)
            name = {"reminder": "催缴通知", "demand": "催缴函"}[kind] + ("短信" if target == "sms" else "")
            runs.append(self._issuing(batch, batch_no, target, f"{name}-{day}.{'csv' if target == 'sms' else 'pdf'}"))
            logged_as.append(logged)
        counts = [r.choose() for r in runs]
        issues = self._issue(runs, counts)
        figures: dict[str, object] = {"logged": 0}
        for run, (fresh, _), channel in zip(runs, counts, logged_as):
            if fresh:
                who = ([n.unit_id for _, n in run.batch.recipients] if run.target == "sms"
                       else [n.unit_id for n in run.batch.notices])
                figures["logged"] += run.log_contacts(who, channel, o.as_of)
        faults.point("month-end.dunning")
        issued.record(wb, batch_no, dt.datetime.now(), issues)
        self._commit("dunning")
        done = issued_count(wb, day)
        figures.update(letters=done[("催缴通知", "纸质")] + done[("催缴函", "EMS")], sms=done[("催缴通知", "短信")])
        names = [f"{n}-{day}.{ext}" for n in ("催缴通知", "催缴函") for ext in ("pdf", "html")] + [f"催缴通知短信-{day}.csv"]
        return Outcome("dunning", "monthend.dunning_done", figures, self._present(*names))

    def _stats(self) -> Outcome:
        figures = stats_ops.monthly(self.wb, self.o.period, self.o.as_of)
        estate, files = estate_of(self.wb), []
        for ext in ("html", "xlsx"):
            renderer = formats.RENDERERS[ext]
            files.append(self._report(f"月度统计-{self.o.period}.{ext}",
                                      stats_reports.monthly(figures, estate, self.o.lang, renderer.details)))
        f = figures.month.figures
        return Outcome("stats", "monthend.stats_done", {
            "billed": f"{f.billed:,.2f}", "collected": f"{f.collected:,.2f}", "collection_rate": _pct(f.collection_rate),
            "household_rate": _pct(f.household_rate), "recovery_rate": _pct(f.recovery_rate)}, files)

    def _index(self) -> Outcome:
        from ..render.monthend import index_html

        page = index_html(self.manifest, self.o, estate_of(self.wb), self.changed_by_hand)
        return Outcome("index", "monthend.index_done", {}, [self._write("index.html", page)])


def _rejected(path: Path, result: meters.ImportResult, errors: Path, lang: str) -> DataError:
    """The readers' sheet refused (exit 1, workbook untouched): the first rows with sheet, row, column and
    reason (which quotes the value), every row in the errors file."""
    first = result.rejected[0]

    def where(r: meters.Rejected) -> str:
        sheet = "" if r.sheet == path.name else f"{r.sheet} › "
        return f"{sheet}{tr('loc.row', lang, row=r.row)}{'，' + r.column if r.column else ''}: {r.reason}"

    return DataError("monthend.readings_rejected",
                     Location(path.name, "" if first.sheet == path.name else first.sheet, first.row, first.column),
                     file=path.name, count=len(result.rejected), rows="; ".join(where(r) for r in result.rejected[:10]),
                     errors=str(errors))


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def issued_count(wb: Workbook, ref_period: str) -> Counter[tuple[str, str]]:
    """通知记录 of a period (or a day): how many of each (类型, 渠道) were ever issued — the month's figure
    whichever run issued them."""
    if not wb.has(schema.NOTICES):
        return Counter()
    cols = wb.columns(schema.NOTICES, ("kind", "ref_period", "channel"))
    return Counter((str(k), str(c)) for k, p, c in zip(cols["kind"], cols["ref_period"], cols["channel"])
                   if p == ref_period)


def unexplained(wb: Workbook, found: list[Anomaly]) -> list[Anomaly]:
    """The anomalies the clerk has not explained: an explanation is a 备注 on the period's reading (e.g.
    `已核实：换热器漏水`); a missing reading has no row to explain it on."""
    if not found:
        return []
    rows = wb.rows(schema.READINGS, [a.row for a in found if a.row]).rows if any(a.row for a in found) else []
    noted = {r.number for r in rows if str(r.values.get("notes") or "").strip()}
    return [a for a in found if not (a.row and a.row in noted)]


def period_bills(wb: Workbook, period: str) -> list[dict]:
    """The period's bills (房号, 收费项目, 金额) as billing's totals take them."""
    if not wb.has(schema.BILLS):
        return []
    cols = wb.columns(schema.BILLS, ("unit_id", "period", "item", "amount"))
    return [{"unit_id": u, "item": i, "amount": a} for u, p, i, a in
            zip(cols["unit_id"], cols["period"], cols["item"], cols["amount"]) if p == period and a is not None]
