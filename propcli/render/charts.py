"""Charts as inline SVG: a `Chart` of a report turned into a picture that opens anywhere offline and prints
on A4. Pure Python, no drawing library: the markup is a few hundred elements.

`plot()` resolves a chart against its section once (categories, series values, the value axis); the SVG
here and the native Excel chart (`render.xlsx_charts`) both draw from that `Plot`, so a page and a
workbook show the same axis. Rules the drawing keeps:

- bars always start at zero; a line of percentages may zoom (60%–100%) and then says so on the chart;
- a missing value (a month with no bills) is a gap — no bar, a broken line — never a zero;
- negative values are drawn below a zero line (stacked bars stack them downwards);
- every text is escaped; the same report gives the same bytes (no ids, no clock, fixed number formats).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..i18n import tr
from ..reports.model import NUMERIC, Chart, ChartKind, Kind, Report
from . import cells

FONTS = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE = ("#4472C4", "#ED7D31", "#70AD47", "#FFC000", "#5B9BD5", "#A5A5A5", "#264478", "#9E480E", "#43682B",
           "#997300")  # Office's, so a page and its workbook colour a series alike
TARGET_COLOUR = "#C00000"
WIDTH = 680  # viewBox units; the page scales it (≤ 180 mm on A4)
PLOT_HEIGHT = 210
FONT = 11  # the text size, in viewBox units (≈ 8 pt when the chart prints 180 mm wide)
SMALL = FONT - 1  # values on bars and points, category labels, the target's label
LONGEST_LABEL = 14  # category labels wider than this many Latin characters are cut with …


class ChartError(ValueError):
    """A chart declared against a section it cannot plot (a programming error in a report builder)."""


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: tuple[float | None, ...]  # floats for geometry only; tooltips show the exact cell text
    texts: tuple[str, ...]  # each value as the table shows it (95.12%, 12345.60)


@dataclass(frozen=True)
class Axis:
    lo: float
    hi: float
    step: float
    zoomed: bool  # lo above zero on a line of percentages: the chart says so

    @property
    def ticks(self) -> list[float]:
        n = round((self.hi - self.lo) / self.step)
        return [self.lo + i * self.step for i in range(n + 1)]


@dataclass(frozen=True)
class Plot:
    """A chart resolved against its section: what both the SVG and the Excel chart draw."""

    chart: Chart
    title: str
    lang: str
    unit: Kind  # percent, money, count or number: one value axis for every series
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    target: float | None
    target_label: str  # e.g. 目标 95%
    axis: Axis
    section_index: int  # the section's position in the report (the XLSX sheet)
    x_column: int  # 0-based positions of the columns in the section (the XLSX ranges)
    series_columns: tuple[int, ...]

    @property
    def empty(self) -> bool:
        return all(v is None for s in self.series for v in s.values)


def plot(report: Report, chart: Chart, lang: str) -> Plot:
    """Resolve `chart` against its section of `report`; a chart that cannot be drawn raises ChartError."""
    index = next((i for i, s in enumerate(report.sections) if s.key == chart.section), None)
    if index is None:
        raise ChartError(f"chart {chart.key!r}: no section {chart.section!r} in report {report.key!r}")
    section = report.sections[index]
    if section.record:
        raise ChartError(f"chart {chart.key!r}: section {section.key!r} is a single record, not rows")
    keys = [c.key for c in section.columns]
    for key in (chart.x, *chart.series):
        if key not in keys:
            raise ChartError(f"chart {chart.key!r}: no column {key!r} in section {section.key!r}")
    x = section.columns[keys.index(chart.x)]
    columns = [section.columns[keys.index(k)] for k in chart.series]
    units = {c.kind for c in columns}
    if len(units) != 1 or not units <= NUMERIC or not columns:
        raise ChartError(f"chart {chart.key!r}: series must be numeric columns of one kind, got {sorted(units)}")
    unit = columns[0].kind
    series = []
    for c in columns:
        raw = [r.get(c.key) for r in section.rows]
        series.append(Series(c.key, c.label(lang), tuple(_number(v) for v in raw),
                             tuple(cells.text(v, c.kind, lang) for v in raw)))
    target = float(chart.target) if chart.target is not None else None
    label = chart.target_label[0] if lang == "zh" else chart.target_label[1]
    if target is not None:
        label = f"{label} {value_text(target, unit, lang)}"
    categories = tuple(cells.text(r.get(chart.x), x.kind, lang) for r in section.rows)
    return Plot(chart, chart.title(lang), lang, unit, categories, tuple(series), target, label,
                axis_for(chart.kind, unit, series, target), index, keys.index(chart.x),
                tuple(keys.index(k) for k in chart.series))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None  # None, '', '—': no value, a gap
    number = float(value)
    return number if math.isfinite(number) else None


# -- the value axis ------------------------------------------------------------------------------


def axis_for(kind: ChartKind, unit: Kind, series: Sequence[Series], target: float | None) -> Axis:
    """The value axis: round steps (1, 2, 2.5, 5 × 10ⁿ), zero included for bars, 0–100% for percentages
    unless a line's values all lie high (then it starts at a round percentage and says so)."""
    if kind == ChartKind.STACKED:
        sums = [(sum(v for v in vs if v is not None and v > 0), sum(v for v in vs if v is not None and v < 0))
                for vs in zip(*(s.values for s in series), strict=True)]
        values = [p for p, _ in sums] + [n for _, n in sums]
    else:
        values = [v for s in series for v in s.values if v is not None]
    if target is not None:
        values.append(target)
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if unit == Kind.PERCENT:
        hi = max(hi, 1.0)
        low = min(values, default=0.0)
        if kind == ChartKind.LINE and lo >= 0 and low >= 0.4 and hi <= 1.0:
            start = math.floor(round((low - 0.05) * 10, 9)) / 10  # a round tenth ≥ 5 points under the lowest
            step = 0.05 if round(1.0 - start, 9) <= 0.3 else 0.1
            return Axis(start, 1.0, step, True)
    if hi == lo:
        hi = lo + 1
    step = _nice_step((hi - lo) / 5, whole=unit == Kind.COUNT)
    return Axis(math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step, False)


def _nice_step(raw: float, whole: bool = False) -> float:
    """The smallest round step (1, 2, 2.5, 5 × 10ⁿ) at least `raw`; a whole number for counts."""
    power = 10 ** math.floor(math.log10(raw))
    steps = [m * power for m in (1, 2, 2.5, 5, 10)]
    if whole:
        steps = [s for s in steps if s >= 1 and s == int(s)] or [1.0]
    return next((s for s in steps if s >= raw - 1e-12), steps[-1])


def _decimals(step: float) -> int:
    """Places a tick needs so that neighbours differ (step 0.25 → 2, 5 → 0)."""
    for places in range(0, 6):
        if abs(round(step, places) - step) < 1e-9:
            return places
    return 6


def tick_text(value: float, unit: Kind, step: float, lang: str, top: float) -> str:
    """An axis tick: 95%, ¥12,345 or (big money) 12.5万 / ¥125k, counts as whole numbers."""
    if unit == Kind.PERCENT:
        return f"{value * 100:.{_decimals(step * 100)}f}%"
    if unit == Kind.MONEY:
        return _money(value, step, lang, top)
    return f"{value:,.{_decimals(step)}f}"


def _money(value: float, step: float, lang: str, top: float) -> str:
    sign = "-" if value < 0 else ""
    value, big = abs(value), abs(top) >= 100_000
    if big and value < 1e-9:
        return "0"  # not 0万 / ¥0k
    if big and lang == "zh":
        return f"{sign}{value / 10_000:.{_decimals(step / 10_000)}f}万"
    if big:
        return f"{sign}¥{value / 1000:,.{_decimals(step / 1000)}f}k"
    return f"{sign}¥{value:,.{_decimals(step)}f}"


def value_text(value: float, unit: Kind, lang: str) -> str:
    """A value written on the chart: short (95.1%, ¥12,346, 12.3万), the exact one is in its tooltip."""
    if unit == Kind.PERCENT:
        return f"{value * 100:.1f}%".replace(".0%", "%")
    if unit == Kind.MONEY:
        if abs(value) >= 100_000:
            return _money(value, 1000 if lang == "zh" else 100, lang, value)
        return _money(value, 1, lang, value)
    if unit == Kind.COUNT or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


# -- text ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for an SVG element or a double-quoted attribute."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#39;"))


def text_width(text: str, size: float = FONT) -> float:
    """About how wide `text` is drawn: a CJK character is a square, a Latin one a little over half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _cut(text: str, room: float = LONGEST_LABEL * FONT * 0.6, size: float = FONT) -> str:
    """`text` cut with … to fit `room` (its whole is in the legend or a tooltip)."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _n(x: float) -> str:
    """A coordinate: one decimal, no trailing .0 (fixed formatting keeps the bytes stable)."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else ("0" if text == "-0.0" else text)


def _text(x: float, y: float, body: str, anchor: str = "middle", size: int = FONT, fill: str = "#333",
          extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(body)}</text>")


# -- the drawing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Where the plot area lies in the viewBox, and how a value and a category map onto it."""

    left: float
    top: float
    width: float
    axis: Axis
    count: int

    @property
    def band(self) -> float:
        return self.width / max(self.count, 1)

    @property
    def bottom(self) -> float:
        return self.top + PLOT_HEIGHT

    def y(self, value: float) -> float:
        value = min(max(value, self.axis.lo), self.axis.hi)
        return self.top + PLOT_HEIGHT * (self.axis.hi - value) / (self.axis.hi - self.axis.lo)

    def centre(self, i: int) -> float:
        return self.left + self.band * (i + 0.5)


def svg(p: Plot) -> str:
    """The chart as an inline `<svg>` element (a viewBox, so it scales to its box)."""
    top_value = max(abs(p.axis.lo), abs(p.axis.hi))
    ticks = [(t, tick_text(t, p.unit, p.axis.step, p.lang, top_value)) for t in p.axis.ticks]
    left = max(text_width(t) for _, t in ticks) + 14
    legend, legend_height = _legend(p, left)
    note = zoom_note(p)
    right = min(text_width(p.target_label, SMALL) + 10, 110) if p.target is not None else 16
    frame = _Frame(left, 10 + legend_height + (FONT + 6 if note else 0) + 14, WIDTH - left - right, p.axis,
                   len(p.categories))
    xlabels, below = _category_labels(p, frame)
    height = frame.bottom + below + 6
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
           f'class="chart chart-{escape(p.chart.kind)}" font-family="{FONTS}" font-size="{FONT}">',
           f"<title>{escape(p.title)}</title>"]
    for value, label in ticks:
        y = frame.y(value)
        colour = "#888" if abs(value) < 1e-12 or value == ticks[0][0] else "#e3e3e3"
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + frame.width)}" y2="{_n(y)}" stroke="{colour}"/>')
        out.append(_text(left - 6, y + 4, label, "end"))
    out.append(f'<line x1="{_n(left)}" y1="{_n(frame.top)}" x2="{_n(left)}" y2="{_n(frame.bottom)}" stroke="#888"/>')
    if note:
        out.append(_text(left, frame.top - 12, note, "start", SMALL, "#666", ' font-style="italic"'))
        b = frame.bottom
        out.append(f'<path d="M{_n(left - 5)} {_n(b - 8)}l10 -4M{_n(left - 5)} {_n(b - 4)}l10 -4" stroke="#666" '
                   f'fill="none"/>')  # the axis break: this axis does not start at zero
    if p.empty:
        out.append(_text(left + frame.width / 2, frame.top + PLOT_HEIGHT / 2, tr("chart.no_data", p.lang),
                         size=FONT + 2, fill="#999"))
    elif p.chart.kind == ChartKind.LINE:
        out.extend(_lines(p, frame))
    elif p.chart.kind == ChartKind.STACKED:
        out.extend(_stacked(p, frame))
    else:
        out.extend(_bars(p, frame))
    if p.target is not None:
        y = frame.y(p.target)
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + frame.width)}" y2="{_n(y)}" '
                   f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4" class="target"/>')
        out.append(_text(left + frame.width + 4, y + 4, _cut(p.target_label, right - 6, SMALL), "start", SMALL,
                         TARGET_COLOUR))
    out.extend(xlabels)
    out.extend(legend)
    out.append("</svg>")
    return "\n".join(out)


_HALO = ' stroke="#fff" stroke-width="3" paint-order="stroke"'  # text stays readable over a line or a bar


def zoom_note(p: Plot, key: str = "chart.axis_from") -> str:
    """What a zoomed axis says of itself (纵轴自 70% 起), '' when it starts at zero."""
    if not p.axis.zoomed:
        return ""
    return tr(key, p.lang, start=tick_text(p.axis.lo, p.unit, p.axis.step, p.lang, p.axis.hi))


def _legend(p: Plot, left: float) -> tuple[list[str], float]:
    """Swatch and label per series (and the target), wrapped to the width; returns its height too."""
    items = [(PALETTE[i % len(PALETTE)], s.label, "series") for i, s in enumerate(p.series)]
    if p.target is not None:
        items.append((TARGET_COLOUR, p.target_label, "target"))
    out, x, y = [], left, 14.0
    for colour, label, what in items:
        width = 18 + text_width(label) + 14
        if x + width > WIDTH - 10 and x > left:
            x, y = left, y + 16
        if what == "target":
            out.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 14)}" y2="{_n(y - 4)}" stroke="{colour}" '
                       f'stroke-width="1.5" stroke-dasharray="4 2"/>')
        elif p.chart.kind == ChartKind.LINE:
            out.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 14)}" y2="{_n(y - 4)}" stroke="{colour}" '
                       f'stroke-width="2"/><circle cx="{_n(x + 7)}" cy="{_n(y - 4)}" r="3" fill="{colour}"/>')
        else:
            out.append(f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="12" height="10" fill="{colour}"/>')
        out.append(_text(x + 18, y, label, "start"))
        x += width
    return out, y + 2


def _category_labels(p: Plot, frame: _Frame) -> tuple[list[str], float]:
    """The category labels under the plot: level when they fit their band, else turned 45° and, when even
    that crowds them, every n-th one. Returns the elements and the height they take."""
    size = SMALL
    labels = [_cut(c, LONGEST_LABEL * size * 0.6, size) for c in p.categories]
    if not labels:
        return [], FONT + 8
    widest = max(text_width(t, size) for t in labels)
    turned = widest > frame.band - 4
    every = math.ceil(size * 1.5 / frame.band) if turned else 1
    out = []
    for i, (label, full) in enumerate(zip(labels, p.categories, strict=True)):
        if i % every:
            continue
        x, y = frame.centre(i), frame.bottom + FONT + 5
        tip = f"<title>{escape(full)}</title>" if label != full else ""
        if turned:
            out.append(f'<text x="{_n(x + 4)}" y="{_n(y - 2)}" text-anchor="end" font-size="{size}" '
                       f'transform="rotate(-45 {_n(x + 4)} {_n(y - 2)})">{tip}{escape(label)}</text>')
        else:
            out.append(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" font-size="{size}">'
                       f"{tip}{escape(label)}</text>")
    return out, (widest * 0.71 + size + 8 if turned else size + 10)


def _tip(p: Plot, i: int, s: Series) -> str:
    return f"<title>{escape(p.categories[i])} · {escape(s.label)}: {escape(s.texts[i])}</title>"


def _bars(p: Plot, frame: _Frame) -> list[str]:
    out = []
    group = frame.band * 0.72
    width = group / len(p.series)
    zero = frame.y(0)
    for j, s in enumerate(p.series):
        colour = PALETTE[j % len(PALETTE)]
        for i, v in enumerate(s.values):
            if v is None:
                continue  # no value: a gap, not a zero bar
            x = frame.left + frame.band * i + (frame.band - group) / 2 + j * width
            y = frame.y(v)
            out.append(f'<rect x="{_n(x)}" y="{_n(min(y, zero))}" width="{_n(width)}" height="{_n(abs(zero - y))}" '
                       f'fill="{colour}">{_tip(p, i, s)}</rect>')
            label = value_text(v, p.unit, p.lang)
            if text_width(label, SMALL) <= width + 2:
                out.append(_text(x + width / 2, (y - 3) if v >= 0 else (y + FONT), label, size=SMALL, extra=_HALO))
    return out


def _stacked(p: Plot, frame: _Frame) -> list[str]:
    out = []
    width = frame.band * 0.6
    for i in range(len(p.categories)):
        x = frame.left + frame.band * i + (frame.band - width) / 2
        up = down = 0.0
        for j, s in enumerate(p.series):
            v = s.values[i]
            if not v:
                continue
            start = up if v > 0 else down
            end = start + v
            if v > 0:
                up = end
            else:
                down = end
            y0, y1 = frame.y(start), frame.y(end)
            out.append(f'<rect x="{_n(x)}" y="{_n(min(y0, y1))}" width="{_n(width)}" height="{_n(abs(y1 - y0))}" '
                       f'fill="{PALETTE[j % len(PALETTE)]}" stroke="#fff" stroke-width="0.5">{_tip(p, i, s)}</rect>')
            label = value_text(v, p.unit, p.lang)
            if abs(y1 - y0) >= FONT + 2 and text_width(label, SMALL) <= width - 2:
                out.append(_text(x + width / 2, (y0 + y1) / 2 + 4, label, size=SMALL, fill="#fff"))
        if up and text_width(value_text(up + down, p.unit, p.lang), SMALL) <= frame.band - 2:
            out.append(_text(x + width / 2, frame.y(up) - 3, value_text(up + down, p.unit, p.lang), size=SMALL,
                             extra=_HALO))
    return out


def _lines(p: Plot, frame: _Frame) -> list[str]:
    out = []
    for j, s in enumerate(p.series):
        colour = PALETTE[j % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is not None:
                run.append(f"{_n(frame.centre(i))},{_n(frame.y(v))}")
            elif run:  # a missing month ends the run: the line breaks instead of dropping to zero
                if len(run) > 1:
                    out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                run = []
        for i, v in enumerate(s.values):
            if v is not None:
                out.append(f'<circle cx="{_n(frame.centre(i))}" cy="{_n(frame.y(v))}" r="3" fill="{colour}">'
                           f"{_tip(p, i, s)}</circle>")
    out.extend(_point_labels(p, frame))
    return out


def _point_labels(p: Plot, frame: _Frame) -> list[str]:
    """Each point's value, when the labels fit their band: at a month, the highest point is labelled above,
    the lowest below, one between only when it clears its neighbours."""
    widest = max((text_width(value_text(v, p.unit, p.lang), SMALL) for s in p.series for v in s.values
                  if v is not None), default=0)
    if widest > frame.band - 2:
        return []
    out = []
    for i in range(len(p.categories)):
        points = sorted((frame.y(v), j, v) for j, s in enumerate(p.series) if (v := s.values[i]) is not None)
        placed: list[float] = []
        for k, (y, j, v) in enumerate(points):
            below = k == len(points) - 1 and k > 0
            at = y + FONT + 3 if below else y - 6
            if any(abs(at - other) < FONT for other in placed):
                continue
            placed.append(at)
            out.append(_text(frame.centre(i), at, value_text(v, p.unit, p.lang), size=SMALL,
                             fill=PALETTE[j % len(PALETTE)], extra=_HALO))
    return out


def chart_svgs(report: Report, lang: str) -> list[tuple[Chart, str, str]]:
    """Every chart of `report` as (chart, title, svg)."""
    out = []
    for chart in report.charts:
        p = plot(report, chart, lang)
        out.append((chart, p.title, svg(p)))
    return out
