"""A batch of notices as print packs and an SMS file.

- HTML: `notices/pack.html.j2` around each notice's `notices/KIND/letter.html.j2`, autoescaped.
- PDF: the same pack in Typst markup (`pack.typ.j2`, `letter.typ.j2`, every datum escaped for Typst),
  compiled by the Typst compiler (the `typst` wheel) with a CJK font embedded and subset. Chosen by
  measuring (bench/notices.py): about 1.5 s for 1,000 one-page notices where WeasyPrint needs close to a
  minute and 800 MB for the same HTML. A pack is A4, sorted 楼栋 → 单元 → 室号, with a separator page and
  a 签收单 per building and page numbers; Typst breaks Chinese lines by the rules (no line starts with
  `，。；：）」`) when the text's language is zh.
- SMS: a CSV for the bulk-SMS platform (手机号, 房号, 内容, 字数, 条数), UTF-8 with BOM for Excel.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..domain.people import mask_name
from ..errors import DataError
from .cells import neutralise
from .contexts import Notice, NoticePack, PackGroup, SignoffRow  # noqa: F401
from .templating import TypstMarkup, renderer

SMS_SEGMENT = 70  # characters per SMS segment, as the platforms bill a Chinese message
SMS_WARN_SEGMENTS = 3
FONT_ENV = "PROPCLI_FONTS"
# Where Debian's fonts-noto-cjk (and other systems' Noto CJK) put the fonts.
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk",
             "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype", "/usr/share/fonts",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")
CJK_FONTS = ("NotoSerifCJK", "NotoSansCJK", "SourceHanSerif", "SourceHanSans")


LETTERS = {"html": "letter.html.j2", "typ": "letter.typ.j2"}  # a notice's own page, per pack markup
PACKS = {"html": "notices/pack.html.j2", "typ": "notices/pack.typ.j2"}


@dataclass
class Rendered:
    """One notice as printed: its text in the pack's markup (for the 内容摘要) and its building."""

    notice: Notice
    text: str


def _templates(kind: str, name: str, user_dir: Path | None, workbook: Path | None) -> Callable[[object], str]:
    return renderer(f"notices/{kind}/{name}", user_dir=user_dir, workbook=workbook)


def _building(n: Notice) -> str:
    return n.building or "—"


def pack(kind: str, title: str, notices: Sequence[Notice], *, batch: str, estate: dict[str, str], target: str,
         user_dir: Path | None = None, workbook: Path | None = None, signoff: bool = True,
         lang: str = "zh") -> tuple[list[str], list[Rendered]]:
    """The pack in `target` markup (html: one text for the whole run; typ: one text per 楼栋, each compiled on
    its own and the PDFs joined — a building's pages are numbered within it), and every notice as rendered."""
    letter = _templates(kind, LETTERS[target], user_dir, workbook)
    wrap = Markup if target == "html" else TypstMarkup
    rendered = [Rendered(n, letter(n)) for n in notices]
    groups: dict[str, PackGroup] = {}
    for r in rendered:
        g = groups.setdefault(_building(r.notice), PackGroup(_building(r.notice), [], []))
        g.notices.append(wrap(r.text))
        g.signoff.append(SignoffRow(r.notice.unit_id, mask_name(r.notice.addressee) if r.notice.addressee else "",
                                    r.notice.ref))
    issued_on = notices[0].issued_on
    outer = renderer(PACKS[target], user_dir=user_dir, workbook=workbook)
    if target == "html":
        return [outer(NoticePack(kind, title, estate, batch, issued_on, list(groups.values()), len(notices), signoff,
                                 lang))], rendered
    return [outer(NoticePack(kind, title, estate, batch, issued_on, [g], len(g.notices), signoff, lang))
            for g in groups.values()], rendered


# -- PDF ---------------------------------------------------------------------------------------------


def font_files() -> list[Path]:
    """The CJK font files the PDF uses: every font in PROPCLI_FONTS, else one family found in the usual system
    places (Noto Serif CJK first: a letter's face). Only these are loaded — each worker would otherwise read
    every CJK collection on the machine (90 MB and more). None found is an error saying what to install."""
    env = os.environ.get(FONT_ENV)
    if env:
        found = _fonts_in(Path(env))
        if found:
            return found
    else:
        for folder in (Path(f) for f in FONT_DIRS):
            fonts = _fonts_in(folder) if folder.is_dir() else []
            for family in CJK_FONTS:
                mine = [f for f in fonts if f.name.startswith(family)]
                if mine:
                    return mine
    raise DataError("notice.no_font", None, where=env or list(FONT_DIRS[:3]))


def _fonts_in(folder: Path) -> list[Path]:
    try:
        return sorted(f for f in folder.rglob("*") if f.suffix.lower() in (".ttc", ".otf", ".ttf"))
    except OSError:
        return []


PAGE_MARK = "notice"  # pack.typ.j2 puts <notice> metadata holding the page where each notice starts


def pdf(source: str) -> tuple[bytes, list[int]]:
    """Typst source → PDF bytes (fonts embedded and subset) and the page where each notice starts."""
    import json
    import tempfile

    import typst

    fonts = font_files()
    # From a file in a folder of its own (the document's root: a template can read nothing else), so that
    # the query for the page marks reuses the compiled document instead of compiling it again.
    with tempfile.TemporaryDirectory(prefix="propcli-pdf-") as folder:
        main = Path(folder) / "notices-pack.typ"
        main.write_text(source, encoding="utf-8")
        chosen = Path(folder) / "fonts"
        chosen.mkdir()
        for i, font in enumerate(fonts):  # a folder of just these (Typst takes folders)
            (chosen / f"{i}-{font.name}").symlink_to(font.resolve())
        try:
            compiler = typst.Compiler(str(main), root=folder, font_paths=[str(chosen)], ignore_system_fonts=True)
            data = compiler.compile(format="pdf", pdf_tags=False)
            pages = json.loads(compiler.query(f"<{PAGE_MARK}>", field="value"))
        except Exception as exc:  # TypstError: the estate's own letter.typ.j2 most likely
            raise DataError("notice.typst", None, reason=_first_line(exc)) from exc
    return data, [int(p) for p in pages if isinstance(p, int)]


WORKER_BUILDINGS = 1  # buildings a worker compiles before it is replaced: Typst's caches grow ~85 MB a building
WORKER_NOTICES = 72  # … a building of a month's notices; a pack of a few letters a building shares workers


def pdfs(sources: Sequence[str], done: Callable[[int], None] = lambda n: None,
         notices: int = 0) -> list[tuple[bytes, list[int]]]:
    """Each building's Typst source → its PDF and notice pages. One building compiles in this process; more
    go to worker processes on every core, each replaced after a building's worth of notices (WORKER_NOTICES;
    `notices`: how many the sources hold, 0 if unknown): Typst keeps its layout caches for the life of a
    process, so a 3,000-notice month in one process would take gigabytes, while starting a worker (fonts
    loaded again) for each building of a few dunning letters costs more than compiling them."""
    if len(sources) == 1:
        result = pdf(sources[0])
        done(1)
        return [result]
    import multiprocessing

    workers = max(1, min(len(sources), os.cpu_count() or 1, 4))
    context = multiprocessing.get_context("forkserver")  # small workers, not copies of a process that read the workbook
    context.set_forkserver_preload(["propcli.render.notices", "typst"])  # each worker starts with them loaded
    out: list[tuple[bytes, list[int]]] = []
    # multiprocessing.Pool, not ProcessPoolExecutor: the latter's max_tasks_per_child hangs on Python 3.11
    per_worker = max(WORKER_BUILDINGS, WORKER_NOTICES * len(sources) // notices if notices else 0)
    with context.Pool(workers, maxtasksperchild=per_worker) as pool:
        for result, peak in pool.imap(_pdf_job, sources):
            if isinstance(result, str):
                raise DataError("notice.typst", None, reason=result)
            WORKER_PEAK_MIB[0] = max(WORKER_PEAK_MIB[0], peak)
            out.append(result)
            done(len(out))
    return out


WORKER_PEAK_MIB = [0]  # the largest peak RSS a PDF worker reported (the bench adds it to its own)


def _pdf_job(source: str) -> tuple[tuple[bytes, list[int]] | str, int]:
    """pdf() in a worker, and the worker's peak RSS in MiB so far; a failure comes back as its reason (an
    error's parameters do not survive pickling)."""
    import resource

    try:
        result: tuple[bytes, list[int]] | str = pdf(source)
    except DataError as exc:
        result = str(exc.params.get("reason", exc.key))
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def join(parts: Sequence[tuple[bytes, list[int]]]) -> tuple[bytes, list[int]]:
    """The buildings' PDFs as one (pypdf, page by page: ~0.8 s for 1,000 pages), and every notice's page in it."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    pages: list[int] = []
    for data, mine in parts:
        offset = len(writer.pages)
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
        pages.extend(offset + p for p in mine)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), pages


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


# -- SMS ---------------------------------------------------------------------------------------------


@dataclass
class Sms:
    phone: str
    unit_id: str
    text: str

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def segments(self) -> int:
        return max(1, -(-self.chars // SMS_SEGMENT))


def sms(kind: str, recipients: Sequence[tuple[str, Notice]], *, user_dir: Path | None = None,
        workbook: Path | None = None) -> list[Sms]:
    """Each recipient's message from `notices/KIND/sms.txt.j2`, on one line."""
    text = _templates(kind, "sms.txt.j2", user_dir, workbook)
    return [Sms(phone, n.unit_id, "".join(line.strip() for line in text(n).splitlines())) for phone, n in recipients]


SMS_HEADER = ("手机号", "房号", "内容", "字数", "条数")


def sms_csv(messages: Sequence[Sms]) -> str:
    """The bulk-SMS file: UTF-8 with BOM (Excel opens it as Chinese), phones as text."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(SMS_HEADER)
    for m in messages:
        w.writerow([m.phone, neutralise(m.unit_id), neutralise(m.text), m.chars, m.segments])
    return "\ufeff" + out.getvalue()
