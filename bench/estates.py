"""Generate the benchmark estates: S, M and L, with two years of readings, bills, payments and reminders.

    python bench/estates.py S|M|L [-o bench/out/estate-M.xlsx] [--strings shared|inline] [--seed 7]

| size | units  | months | bills (≈)  | readings | payments (≈) |
|------|--------|--------|------------|----------|--------------|
| S    |    500 |     12 |     20,000 |   12,000 |        5,000 |
| M    |  3,000 |     24 |    240,000 |  144,000 |       60,000 |
| L    | 20,000 |     24 |  1,580,000 |  960,000 |      400,000 |

L's 应收账单 is longer than a sheet can be (1,048,576 rows): it continues in 应收账单2, the way propcli
itself continues a full register (`schema.continuation_name`).

The owners register, transfers and rates come from `sample_data/generate.py` (same layout: 72 units per
building, 房号 `楼栋-单元-室号`). The big registers are written as sheet XML streamed straight into the
zip, the way Excel stores them: every cell with its `r` reference, text in a shared-strings table
(`--strings inline` writes inline strings instead), dates as serial numbers under the column's date
style, money under its 0.00 style. M takes about half a minute, L a few minutes.

The data follow the trade: 物业费 by area (托管 at 0.7), 水费 on yearly tiers and 电费 on monthly tiers
from cumulative meter readings taken on the 25th, 停车费 for units with a space; about 85% of the units
pay each month (oldest bills first, some partly), a few owe for many months and get reminders that
climb the dunning ladder (短信, 电话, 书面通知, 催缴函 with an EMS number, 上门).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import re
import sys
import time
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from propcli.store import schema  # noqa: E402
from propcli.store.package import Package  # noqa: E402
from propcli.store.sheetxml import MAX_ROWS, col_letter  # noqa: E402
from sample_data.generate import generate as generate_owners  # noqa: E402

SIZES = {"S": (500, 12), "M": (3000, 24), "L": (20000, 24)}
LAST_PERIOD = (2025, 12)  # every estate's data end with this month; the benchmark bills the next one
CENT = Decimal("0.01")
FEE_PRICE = Decimal("2.50")
PARKING_PRICE = Decimal("300")
POWER_TIERS = ((Decimal(0), Decimal(240), Decimal("0.4883")), (Decimal(240), Decimal(400), Decimal("0.5383")),
               (Decimal(400), None, Decimal("0.7883")))
WATER_TIERS = ((Decimal(0), Decimal(180), Decimal(5)), (Decimal(180), Decimal(260), Decimal(7)),
               (Decimal(260), None, Decimal(9)))
READERS = ("抄表员老陈", "抄表员小周")
CASHIERS = ("前台小王", "前台小李", "收费员张敏")
METHODS = (("微信", 45), ("支付宝", 20), ("银行转账", 15), ("现金", 10), ("POS", 10))
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def money(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def periods(months: int) -> list[tuple[int, int]]:
    y, m = LAST_PERIOD
    out = []
    for _ in range(months):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def tiered(usage: Decimal, before: Decimal, tiers) -> tuple[Decimal, list[str]]:  # type: ignore[no-untyped-def]
    """Amount (unrounded) and the tier lines of `usage` on top of `before` (yearly tiers), or from 0."""
    total, lines = Decimal(0), []
    lo_use, hi_use = before, before + usage
    for n, (lo, hi, price) in enumerate(tiers, start=1):
        a = max(lo, lo_use)
        b = hi_use if hi is None else min(hi, hi_use)
        if b > a:
            q = b - a
            part = q * price
            total += part
            lines.append(f"第{n}档 {q}×{price}={part.normalize():f}")
    return total, lines


@dataclass
class Owner:
    unit: str
    area: Decimal
    status: str
    parking: str | None
    kind: str  # prompt / late / debtor / never


@dataclass
class Bill:
    bill_id: str
    unit: int  # index into owners
    period: str
    item: str
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal
    due: dt.date
    detail: str
    paid: Decimal = Decimal(0)


def simulate(owners: list[Owner], months: int, rng: random.Random):  # type: ignore[no-untyped-def]
    """Readings, bills, payments and reminders month by month, in the order they happen."""
    readings: list[tuple] = []
    bills: list[Bill] = []
    payments: list[tuple] = []
    reminders: list[tuple] = []
    n = len(owners)
    water = [Decimal(rng.randrange(50, 900)) for _ in range(n)]
    power = [Decimal(rng.randrange(1000, 30000)) for _ in range(n)]
    water_year = [Decimal(0)] * n
    open_bills: list[list[Bill]] = [[] for _ in range(n)]
    behind = [0] * n  # months with open bills past due
    last_letter = [-99] * n
    receipt_seq: dict[int, int] = {}
    method_names = [m for m, _ in METHODS]
    method_weights = [w for _, w in METHODS]
    for pi, (y, m) in enumerate(periods(months)):
        period = f"{y:04d}-{m:02d}"
        read_on = dt.date(y, m, 25)
        due = month_end(y, m) + dt.timedelta(days=15)
        if m == 1:
            water_year = [Decimal(0)] * n
        seq = 0
        for i, o in enumerate(owners):
            vacant = o.status == "空置"
            wu = Decimal(rng.randint(0, 1) if vacant else rng.randint(5, 20))
            pu = Decimal(rng.randint(0, 8) if vacant else rng.randint(100, 500))
            water[i] += wu
            power[i] += pu
            reader = READERS[i % 2]
            readings.append((o.unit, "水表", period, read_on, water[i], reader))
            readings.append((o.unit, "电表", period, read_on, power[i], reader))

            def bill(item: str, qty: Decimal | None, price: Decimal | None, amount: Decimal, detail: str) -> None:
                nonlocal seq
                seq += 1
                b = Bill(f"ZD{y:04d}{m:02d}{seq:06d}", i, period, item, qty, price, money(amount), due, detail)
                bills.append(b)
                open_bills[i].append(b)

            fee = o.area * FEE_PRICE
            if o.status == "托管":
                fee_amount = money(fee * Decimal("0.7"))
                bill("物业费", None, FEE_PRICE, fee_amount, f"{o.area}㎡ × {FEE_PRICE}元/㎡·月 × 0.7 = {fee_amount}")
            else:
                fee_amount = money(fee)
                bill("物业费", None, FEE_PRICE, fee_amount, f"{o.area}㎡ × {FEE_PRICE}元/㎡·月 = {fee_amount}")
            amount, lines = tiered(wu, water_year[i], WATER_TIERS)
            water_year[i] += wu
            bill("水费", wu, None, amount, f"水表 {wu} m³：" + "；".join(lines or ["0"]))
            amount, lines = tiered(pu, Decimal(0), POWER_TIERS)
            bill("电费", pu, None, amount, f"电表 {pu} kWh：" + "；".join(lines or ["0"]))
            if o.parking:
                bill("停车费", Decimal(1), PARKING_PRICE, PARKING_PRICE,
                     f"车位 {o.parking} × {PARKING_PRICE}.00元/月 = {PARKING_PRICE}.00")
        # payments in the following month, oldest bills first
        py, pm = (y, m + 1) if m < 12 else (y + 1, 1)
        odds = {"prompt": 0.98, "late": 0.6, "debtor": 0.1, "never": 0.0}
        paying = []
        for i, o in enumerate(owners):
            if open_bills[i] and rng.random() < odds[o.kind]:
                paying.append((rng.randint(1, 28), i))
        paying.sort()
        for day, i in paying:
            due_total = sum((b.amount - b.paid for b in open_bills[i]), Decimal(0))
            cash = due_total
            if due_total > 200 and rng.random() < 0.04:  # a part payment: what the owner had at hand
                cash = Decimal(int(due_total // 100) * 100)
            receipt_seq[py] = receipt_seq.get(py, 0) + 1
            receipt = f"SJ{py:04d}{receipt_seq[py]:06d}"
            parts, left = [], cash
            for b in open_bills[i]:
                take = min(b.amount - b.paid, left)
                if take <= 0:
                    break
                b.paid += take
                left -= take
                parts.append(f"{b.bill_id}:{take:.2f}")
            open_bills[i] = [b for b in open_bills[i] if b.paid < b.amount]
            method = rng.choices(method_names, method_weights)[0]
            payments.append((receipt, owners[i].unit, dt.date(py, pm, day), cash, method,
                             CASHIERS[day % len(CASHIERS)], ";".join(parts)))
        # reminders at the start of the next month for what is past due
        for i, o in enumerate(owners):
            if not open_bills[i]:
                behind[i] = 0
                continue
            behind[i] += 1
            k = behind[i]
            when = dt.date(py, pm, rng.randint(3, 20))
            if k == 1:
                if rng.random() < 0.5:
                    reminders.append((o.unit, when, "短信", "已发送", None, None, CASHIERS[0]))
            elif k == 2 or (k < 6 and rng.random() < 0.5):
                outcome, promise = rng.choice((("已接通，承诺月底前缴费", True), ("未接通", False),
                                               ("业主称物业服务有问题，暂不缴费", False), ("已接通，称近期出差", False)))
                reminders.append((o.unit, when, "电话", outcome,
                                  dt.date(py, pm, 28) if promise else None, None, CASHIERS[1]))
                if k == 3:
                    reminders.append((o.unit, when, "书面通知", "已张贴/投递", None, None, CASHIERS[1]))
            elif k >= 6 and pi - last_letter[i] >= 6:
                last_letter[i] = pi
                reminders.append((o.unit, when, "催缴函", "EMS已签收", None, f"11{rng.randrange(10**11):011d}",
                                  CASHIERS[2]))
            elif k >= 6 and rng.random() < 0.2:
                reminders.append((o.unit, when, "上门", "业主不在家，留言", None, None, CASHIERS[2]))
    return readings, bills, payments, reminders


# -- writing the sheet XML -----------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


EPOCH = dt.date(1899, 12, 30)


class Strings:
    """The shared-strings table (or inline strings)."""

    def __init__(self, existing: list[str], inline: bool) -> None:
        self.inline = inline
        self.items = list(existing)
        self.index = {s: i for i, s in enumerate(existing)}
        self.count = 0

    def cell(self, ref: str, style: str, text: str) -> str:
        self.count += 1
        if self.inline:
            return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_esc(text)}</t></is></c>'
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.items)
            self.items.append(text)
        return f'<c r="{ref}"{style} t="s"><v>{i}</v></c>'

    def xml(self) -> bytes:
        body = "".join(f"<si><t>{_esc(s)}</t></si>" if s == s.strip() else
                       f'<si><t xml:space="preserve">{_esc(s)}</t></si>' for s in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" '
                f'count="{self.count}" uniqueCount="{len(self.items)}">{body}</sst>').encode("utf-8")


class SheetWriter:
    """Rows of one register streamed into a zip member, keeping the template sheet's head and tail."""

    def __init__(self, template: bytes, spec: schema.Sheet, strings: Strings) -> None:
        self.spec = spec
        self.strings = strings
        head_end = template.index(b"<sheetData>") + len(b"<sheetData>")
        self.head = template[:head_end]
        tail_at = template.index(b"</sheetData>")
        self.header_row = re.search(rb"<row r=\"1\".*?</row>", template[head_end:tail_at], re.S).group(0)
        self.tail = template[tail_at:]
        styles = {}
        for m in re.finditer(rb"<col\b([^>]*)/>", self.head):
            a = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
            if b"style" in a:
                for c in range(int(a[b"min"]) - 1, int(a[b"max"])):
                    styles[c] = a[b"style"].decode()
        self.styles = [f' s="{styles[c]}"' if c in styles else "" for c in range(len(spec.columns))]
        self.kinds = [c.kind for c in spec.columns]
        self.letters = [col_letter(c) for c in range(len(spec.columns))]

    def write(self, out, rows) -> int:  # type: ignore[no-untyped-def]
        """Write the part: head, header row, `rows` from row 2, tail; returns the last row number."""
        last = 1
        width = len(self.spec.columns)
        head = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:' + col_letter(width - 1).encode() + b'@@"',
                      self.head)
        chunks: list[str] = []
        body = io.BytesIO()  # rows are written before the head so that the dimension can be exact
        body.write(self.header_row)
        K = schema.Kind
        for r, values in enumerate(rows, start=2):
            cells = []
            for c, v in enumerate(values):
                if v is None or v == "":
                    continue
                ref = f"{self.letters[c]}{r}"
                s = self.styles[c]
                if isinstance(v, str):
                    cells.append(self.strings.cell(ref, s, v))
                elif isinstance(v, dt.date):
                    cells.append(f'<c r="{ref}"{s}><v>{(v - EPOCH).days}</v></c>')
                elif isinstance(v, Decimal):
                    cells.append(f'<c r="{ref}"{s}><v>{v.normalize():f}</v></c>')
                else:
                    cells.append(f'<c r="{ref}"{s}><v>{v}</v></c>')
            chunks.append(f'<row r="{r}" spans="1:{width}">{"".join(cells)}</row>')
            last = r
            if len(chunks) >= 5000:
                body.write("".join(chunks).encode("utf-8"))
                chunks.clear()
        body.write("".join(chunks).encode("utf-8"))
        del K
        out.write(head.replace(b"@@", str(last).encode()))
        out.write(body.getbuffer())
        out.write(self.tail)
        return last


def _rows(spec: schema.Sheet, records) -> list:  # type: ignore[no-untyped-def]
    return records


def build(size: str, path: Path, *, seed: int = 7, inline: bool = False, level: int = 6,
          log=print) -> Path:  # type: ignore[no-untyped-def]
    units, months = SIZES[size]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base = path.with_name(f".base-{size}-{os.getpid()}.xlsx")
    generate_owners(base, units=units, seed=seed)
    log(f"{size}: owners register ({units} units) in {time.perf_counter() - started:.1f}s")

    from python_calamine import CalamineWorkbook

    grid = CalamineWorkbook.from_path(str(base)).get_sheet_by_name(schema.OWNERS.zh).to_python()
    head = grid[0]
    col = {h: i for i, h in enumerate(head)}
    rng = random.Random(seed)
    kinds = ["prompt"] * 78 + ["late"] * 15 + ["debtor"] * 5 + ["never"] * 2
    owners = [Owner(str(r[col["房号"]]), Decimal(repr(float(r[col["建筑面积"]]))).quantize(CENT),
                    str(r[col["房屋状态"]]), str(r[col["车位"]]) if r[col["车位"]] not in ("", None) else None,
                    rng.choice(kinds))
              for r in grid[1:] if r[0] not in ("", None)]
    readings, bills, payments, reminders = simulate(owners, months, rng)
    log(f"{size}: simulated {len(bills)} bills, {len(readings)} readings, {len(payments)} payments, "
        f"{len(reminders)} reminders in {time.perf_counter() - started:.1f}s")

    pkg = Package(base)
    ws_part = {s.name: s.part for s in pkg.sheets}
    sst_existing: list[str] = []
    if "xl/sharedStrings.xml" in pkg.infos:
        root = ET.fromstring(pkg.read("xl/sharedStrings.xml"))
        sst_existing = ["".join(t.text or "" for t in si.iter(f"{{{MAIN_NS}}}t")) for si in root]
    strings = Strings(sst_existing, inline)

    def bill_rows(chunk):  # type: ignore[no-untyped-def]
        for b in chunk:
            status = "已缴" if b.paid >= b.amount else ("部分" if b.paid > 0 else "未缴")
            yield (b.bill_id, owners[b.unit].unit, b.period, b.item, b.quantity, b.price, b.amount, b.due,
                   b.paid, status, b.detail)

    per_sheet = MAX_ROWS - 1
    bill_chunks = [bills[i:i + per_sheet] for i in range(0, len(bills), per_sheet)] or [[]]
    registers = [
        (schema.READINGS, schema.READINGS.zh, readings),
        *((schema.BILLS, schema.continuation_name(schema.BILLS, n), bill_rows(chunk))
          for n, chunk in enumerate(bill_chunks, start=1)),
        (schema.PAYMENTS, schema.PAYMENTS.zh,
         ((r, u, d, a, me, op, al, None, None) for r, u, d, a, me, op, al in payments)),
        (schema.REMINDERS, schema.REMINDERS.zh, ((*r, None) for r in reminders)),
    ]
    last_receipt = payments[-1][0] if payments else ""
    tmp = path.with_name(f".gen-{size}-{os.getpid()}.xlsx")
    extra_sheets: list[tuple[str, str]] = []  # (name, part) of continuation sheets to add
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=level, allowZip64=True) as z:
            written: set[str] = set()
            bills_template = pkg.read(ws_part[schema.BILLS.zh])
            next_part = len(pkg.sheets) + 1
            for spec, name, rows in registers:
                if name in ws_part:
                    part, template = ws_part[name], pkg.read(ws_part[name])
                else:
                    part, template = f"xl/worksheets/sheet{next_part}.xml", bills_template
                    next_part += 1
                    extra_sheets.append((name, part))
                info = zipfile.ZipInfo(part, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with z.open(info, "w", force_zip64=False) as out:
                    last = SheetWriter(template, spec, strings).write(out, rows)
                written.add(part)
                log(f"{size}: {name}: {last - 1} rows ({time.perf_counter() - started:.1f}s)")
            for name, info in pkg.infos.items():
                if name in written:
                    continue
                data = pkg.read(name)
                if name == ws_part[schema.ESTATE.zh] and last_receipt:
                    data = _set_setting(data, "最后收据号", last_receipt)
                if name == "xl/workbook.xml":
                    data = _add_sheets(data, extra_sheets, "sheet")
                elif name == "xl/_rels/workbook.xml.rels":
                    data = _add_sheets(data, extra_sheets, "rel", with_sst=not inline)
                elif name == "[Content_Types].xml":
                    data = _add_sheets(data, extra_sheets, "ct", with_sst=not inline)
                zi = zipfile.ZipInfo(name, date_time=info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                z.writestr(zi, data)
            if not inline:
                zi = zipfile.ZipInfo("xl/sharedStrings.xml", date_time=(2024, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, strings.xml())
        os.replace(tmp, path)
    finally:
        pkg.close()
        tmp.unlink(missing_ok=True)
        base.unlink(missing_ok=True)
    log(f"{size}: {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f}s")
    return path


def _set_setting(sheet: bytes, label: str, value: str) -> bytes:
    """The value cell of one 小区信息 setting (an inline-string sheet written by openpyxl)."""
    text = sheet.decode("utf-8")
    m = re.search(r'<row r="(\d+)"[^>]*>(?:(?!</row>).)*?<t>' + re.escape(label) + r"</t>.*?</row>", text, re.S)
    if not m:
        return sheet
    r = m.group(1)
    row = m.group(0)
    cell = f'<c r="B{r}" t="inlineStr"><is><t>{_esc(value)}</t></is></c>'
    new_row = re.sub(rf'<c r="B{r}"[^>]*/>|<c r="B{r}".*?</c>', "", row, flags=re.S)
    new_row = new_row.replace("</row>", cell + "</row>")
    return text.replace(row, new_row).encode("utf-8")


def _add_sheets(data: bytes, sheets: list[tuple[str, str]], what: str, with_sst: bool = False) -> bytes:
    text = data.decode("utf-8")
    if what == "sheet":
        ids = [int(x) for x in re.findall(r'sheetId="(\d+)"', text)]
        add = "".join(f'<sheet name="{name}" sheetId="{max(ids) + k}" r:id="rIdC{k}"/>'
                      for k, (name, _) in enumerate(sheets, start=1))
        if add and 'xmlns:r="' not in text:
            raise ValueError("workbook.xml without the relationships namespace")
        return text.replace("</sheets>", add + "</sheets>").encode("utf-8")
    if what == "rel":
        add = "".join(f'<Relationship Id="rIdC{k}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="/{part}"/>' for k, (_, part) in enumerate(sheets, start=1))
        if with_sst and "sharedStrings" not in text:
            add += f'<Relationship Id="rIdSST" Type="{SST_REL}" Target="/xl/sharedStrings.xml"/>'
        return text.replace("</Relationships>", add + "</Relationships>").encode("utf-8")
    add = "".join(f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
                  f'spreadsheetml.worksheet+xml"/>' for _, part in sheets)
    if with_sst and "sharedStrings" not in text:
        add += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_CT}"/>'
    return text.replace("</Types>", add + "</Types>").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("size", choices=sorted(SIZES))
    ap.add_argument("-o", "--output", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--strings", choices=("shared", "inline"), default="shared")
    ap.add_argument("--level", type=int, default=6, help="zlib level of the zip members (default 6, like Excel)")
    args = ap.parse_args(argv)
    out = args.output or ROOT / "bench" / "out" / f"estate-{args.size}.xlsx"
    build(args.size, out, seed=args.seed, inline=args.strings == "inline", level=args.level,
          log=lambda msg: print(msg, file=sys.stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
