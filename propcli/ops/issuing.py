"""Issuing a batch of notices (ops.notices builds them): keep those not issued before (通知记录), render the
print pack (HTML, and the PDF through Typst) or the SMS file, stage the files beside their targets and
return the 通知记录 rows to record. Shared by `notices render` and `month-end`, so that both issue a notice
the same way and never twice."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..render import notices as render
from ..render.contexts import Notice
from ..store.safety import write_beside
from ..store.workbook import Workbook
from . import issued as record_ops
from .notices import TITLES, Batch


@dataclass
class Files:
    """The outputs of a run, written to temporary names first and renamed into place at the end."""

    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary, target)

    def stage(self, target: Path, data: str | bytes) -> None:
        try:
            tmp = write_beside(target, data.encode("utf-8") if isinstance(data, str) else data)
        except BaseException:
            self.discard()
            raise
        self.staged.append((tmp, target))

    def discard(self) -> None:
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def install(self) -> None:
        for tmp, target in self.staged:
            os.replace(tmp, target)
        self.staged.clear()


def page_count(pdf: bytes) -> int:
    """Pages of a PDF Typst wrote (its page tree's /Count)."""
    found = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf) or re.findall(rb"/Count\s+(\d+)", pdf)
    return max((int(n) for n in found), default=0)


def safe_name(text: str) -> str:
    """A building's name as part of a file name: nothing that could leave the output folder."""
    return re.sub(r"[\\/:*?\"<>|\s.]+", "_", text).strip("_") or "_"


def channel_of(kind: str, target: str) -> str:
    """通知记录 › 渠道: 短信 for the SMS file, EMS for a 催缴函, 纸质 for any other print pack."""
    return "短信" if target == "sms" else ("EMS" if kind == "demand" else "纸质")


class Issuing:
    """One run's choice of notices (not issued before, or all with `reissue`) and its outputs. `written`
    lists (file, notices, pages) once rendered; `long_sms` the messages over SMS_WARN_SEGMENTS."""

    def __init__(self, wb: Workbook, batch: Batch, batch_no: str, target: str, output: Path, *, reissue: bool = False,
                 lang: str = "zh", templates_dir: Path | None = None, workbook: Path | None = None) -> None:
        self.wb, self.batch, self.batch_no = wb, batch, batch_no
        self.target, self.output, self.reissue, self.lang = target, output, reissue, lang
        self.templates_dir, self.workbook = templates_dir, workbook
        self.title = batch.notices[0].title if batch.notices else TITLES.get(batch.kind, "")
        self.channel = channel_of(batch.kind, target)
        self.written: list[tuple[Path, int, int]] = []
        self.long_sms: list[render.Sms] = []

    def _ref_period(self, n: Notice) -> str:
        return n.period if self.batch.kind == "receipt" else self.batch.ref_period

    def _key(self, n: Notice) -> tuple[str, str, str, str]:
        return (self.title, self._ref_period(n), n.unit_id, self.channel)

    def choose(self) -> tuple[int, int]:
        """Keep the notices (or SMS recipients) not issued before; (how many are kept, how many skipped)."""
        done = record_ops.issued(self.wb)
        sms = self.target == "sms"
        items = self.batch.recipients if sms else [("", n) for n in self.batch.notices]
        fresh = items if self.reissue else [(p, n) for p, n in items if self._key(n) not in done]
        skipped = len(items) - len([1 for _, n in items if self._key(n) not in done])
        if sms:
            self.batch.recipients = fresh
        else:
            self.batch.notices = [n for _, n in fresh]
        return len(fresh), skipped

    def log_contacts(self, units: list[str], channel: str, day: dt.date) -> int:
        """The units this run issued to, logged in 催缴记录 (the dunning ladder's next step then counts from
        this one); how many rows were written."""
        note = f"已发{TITLES[self.batch.kind]}（批次 {self.batch_no}）"
        return record_ops.log_contacts(self.wb, units, channel, day, note)

    def render(self, files: Files, split: bool = False,
               tick: Callable[[int], None] = lambda done: None) -> list[record_ops.Issue]:
        if self.target == "sms":
            return self._sms(files)
        return self._pack(files, split, tick)

    def _opts(self) -> dict:
        return {"user_dir": self.templates_dir, "workbook": self.workbook}

    def _pack(self, files: Files, split: bool, tick: Callable[[int], None]) -> list[record_ops.Issue]:
        kind, notices = self.batch.kind, self.batch.notices
        common = {"batch": self.batch_no, "estate": notices[0].estate, "signoff": kind not in ("outage", "receipt"),
                  "lang": self.lang, **self._opts()}
        html_file = self.output.with_suffix(".html")
        files_of = [html_file.name] * len(notices)
        (html,), shown = render.pack(kind, self.title, notices, target="html", **common)
        files.stage(html_file, html)
        self.written.append((html_file, len(notices), 0))
        pages = list(range(1, len(notices) + 1))  # in the HTML: the notice's place in the pack
        if self.target == "pdf":
            sources, _ = render.pack(kind, self.title, notices, target="typ", **common)
            parts = render.pdfs(sources, lambda n: tick(n * len(notices) // len(sources)), len(notices))
            if split:
                pages, files_of = [], []
                for (data, mine), building in zip(parts, dict.fromkeys(n.building or "—" for n in notices)):
                    name = self.output.with_name(f"{self.output.stem}-{safe_name(building)}栋{self.output.suffix}")
                    files.stage(name, data)
                    self.written.append((name, len(mine), page_count(data)))
                    pages.extend(mine)
                    files_of.extend([name.name] * len(mine))
            else:
                data, pages = render.join(parts)
                files.stage(self.output, data)
                self.written.append((self.output, len(notices), page_count(data)))
                files_of = [self.output.name] * len(notices)
        return [record_ops.Issue(self.title, self._ref_period(r.notice), r.notice.unit_id, self.channel, files_of[i],
                                 pages[i] if i < len(pages) else None, record_ops.digest(r.text))
                for i, r in enumerate(shown)]

    def _sms(self, files: Files) -> list[record_ops.Issue]:
        messages = render.sms(self.batch.kind, self.batch.recipients, **self._opts())
        files.stage(self.output, render.sms_csv(messages))
        self.written.append((self.output, len(messages), 0))
        self.long_sms = [m for m in messages if m.segments > render.SMS_WARN_SEGMENTS]
        return [record_ops.Issue(self.title, self._ref_period(n), n.unit_id, self.channel, self.output.name, row,
                                 record_ops.digest(m.text))
                for row, ((_, n), m) in enumerate(zip(self.batch.recipients, messages), 2)]
