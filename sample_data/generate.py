"""Generate a realistic, reproducible sample estate workbook.

    python sample_data/generate.py [-o sample_data/estate.xlsx] [--units N] [--seed S] [--name 阳光花园]

Also importable: `generate(path, units=..., seed=..., name=...)` (the tests and the benchmark use it).
Same arguments → the same workbook, byte for byte. Everything is invented: names, phones and ID numbers
are random (ID numbers carry a valid GB 11643 check digit so that checks have something real to verify).

Layout: 2 entrances (单元) × 18 floors × 2 rooms per building, 72 units per building; buildings are added
until `units` is reached (default 432 = 6 buildings). 房号 is `楼栋-单元-室号`, e.g. `3-2-1201`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

try:
    from propcli.store import schema
    from propcli.store.template import create_workbook, number_format, workbook_bytes
except ModuleNotFoundError:  # run as a script from a checkout: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from propcli.store import schema
    from propcli.store.template import create_workbook, number_format, workbook_bytes

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

DEFAULT_OUT = Path(__file__).resolve().parent / "estate.xlsx"
DEFAULT_UNITS = 432
DEFAULT_SEED = 2024
DEFAULT_NAME = "阳光花园"

ENTRANCES = 2
FLOORS = 18
ROOMS = 2
PER_BUILDING = ENTRANCES * FLOORS * ROOMS

# Surnames weighted roughly by frequency; 曾 单 解 仇 查 are polyphonic (zeng/ceng, shan/dan, xie/jie...),
# 欧阳 is compound: both trip naive pinyin-initial search.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 70), ("张", 68), ("刘", 54), ("陈", 50), ("杨", 33), ("黄", 25), ("赵", 22),
    ("吴", 20), ("周", 20), ("徐", 15), ("孙", 14), ("马", 13), ("朱", 12), ("胡", 12), ("郭", 11),
    ("何", 10), ("林", 10), ("罗", 9), ("高", 9), ("郑", 8), ("梁", 8), ("谢", 7), ("宋", 6),
    ("唐", 6), ("许", 6), ("邓", 5), ("冯", 5), ("韩", 5), ("曹", 5), ("彭", 4), ("蔡", 4),
    ("曾", 5), ("单", 2), ("解", 2), ("仇", 1), ("查", 1), ("欧阳", 1),
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志海红玉兰春秋斌波辉鹏燕萍婷雪琳晓丹佳颖慧"
    "子梓浩宇欣怡俊嘉雨思文博晨轩涵悦瑶琪鑫凯东亮飞峰云龙德福安宁秀梅莉淑珍晶"
)
PHONE_PREFIXES = tuple(f"13{d}" for d in range(10)) + (
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
)
# 6-digit administrative region codes: mostly Shenzhen and Guangdong, some from the usual home provinces.
REGIONS = (
    "440303", "440304", "440305", "440306", "440307", "440308", "440106", "440104", "441302", "445202",
    "440981", "441402", "430102", "430105", "420106", "360102", "450103", "510107", "350203", "110105",
    "310115", "410105", "362502", "431002",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
NOTES = (
    "业主长期在外，联系子女", "装修中", "有宠物（犬）", "老人独居，需关注", "门禁卡已补办",
    "阳台漏水已报修", "要求纸质账单", "已办理银行代扣",
)
BANK_ACCOUNT = "中国建设银行深圳南山支行 4420 1588 **** 0066"
ADDRESS = "深圳市南山区桃源街道龙珠大道88号"
SERVICE_PHONE = "0755-8888 6666"
OPERATOR = "前台小王"


@dataclass
class Unit:
    unit_id: str
    building: str
    entrance: str
    room: str
    owner_name: str
    phone: str
    id_no: str
    area: float
    household_size: int
    status: str
    move_in_date: dt.date | None
    tenant_name: str | None = None
    tenant_phone: str | None = None
    parking: str | None = None
    notes: str | None = None


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of an ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


class _Faker:
    """Names, phones and ID numbers from one seeded stream; phones and ID numbers never repeat."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        self._cum_weights = list(itertools.accumulate(w for _, w in SURNAMES))
        self._phones: set[str] = set()
        self._ids: set[str] = set()

    def name(self) -> str:
        surname = self.rng.choices(self._surnames, cum_weights=self._cum_weights)[0]
        given_len = 1 if len(surname) == 2 or self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(given_len))

    def phone(self) -> str:
        while True:
            p = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self._phones:
                self._phones.add(p)
                return p

    def id_no(self) -> str:
        while True:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 46))
            first17 = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{self.rng.randrange(1, 1000):03d}"
            id_no = first17 + id_check_digit(first17)
            if id_no not in self._ids:
                self._ids.add(id_no)
                return id_no


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _statuses(rng: random.Random, n: int) -> list[str]:
    """Exact shares (≈15% 出租, 8% 空置, 3% 托管, rest 自住) in a shuffled order, so every status occurs."""
    rented, vacant, managed = (max(1, round(n * share)) for share in (0.15, 0.08, 0.03))
    statuses = ["出租"] * rented + ["空置"] * vacant + ["托管"] * managed
    statuses += ["自住"] * max(0, n - len(statuses))
    statuses = statuses[:n]
    rng.shuffle(statuses)
    return statuses


def make_units(rng: random.Random, fake: _Faker, count: int) -> list[Unit]:
    """The owners register: one row per unit, building by building, entrance, floor, room."""
    buildings = -(-count // PER_BUILDING)
    # One floor plan per room position: room 01 of building 3 has the same area on every floor and in
    # both (mirrored) entrances.
    plans = {(b, r): round(rng.uniform(60, 160), 2) for b in range(1, buildings + 1) for r in range(1, ROOMS + 1)}
    statuses = _statuses(rng, count)
    units: list[Unit] = []
    for b in range(1, buildings + 1):
        for e in range(1, ENTRANCES + 1):
            for f in range(1, FLOORS + 1):
                for r in range(1, ROOMS + 1):
                    if len(units) == count:
                        return units
                    units.append(_unit(rng, fake, b, e, f, r, plans[(b, r)], statuses[len(units)]))
    return units


def _unit(rng: random.Random, fake: _Faker, b: int, e: int, f: int, r: int, area: float, status: str) -> Unit:
    room = f"{f:02d}{r:02d}"
    unit = Unit(
        unit_id=f"{b}-{e}-{room}",
        building=str(b),
        entrance=str(e),
        room=room,
        owner_name=fake.name(),
        phone=fake.phone(),
        id_no=fake.id_no(),
        area=area,
        household_size=0,
        status=status,
        move_in_date=None,
    )
    if status != "空置":
        # Most owners moved in when the estate was handed over (2016–2017), the rest over the years since.
        if rng.random() < 0.55:
            unit.move_in_date = _date_between(rng, dt.date(2016, 3, 1), dt.date(2017, 12, 31))
        else:
            unit.move_in_date = _date_between(rng, dt.date(2018, 1, 1), dt.date(2023, 12, 31))
    if status == "自住":
        unit.household_size = rng.choices((1, 2, 3, 4, 5, 6), (8, 25, 30, 22, 10, 5))[0]
    elif status == "出租":
        unit.household_size = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
        unit.tenant_name = fake.name()
        unit.tenant_phone = fake.phone()
    elif status == "托管":
        unit.notes = "委托物业托管"
    if unit.notes is None and rng.random() < 0.05:
        unit.notes = rng.choice(NOTES)
    return unit


def assign_parking(rng: random.Random, units: list[Unit]) -> None:
    """About a third of occupied units rent a space in the basement: `B1-023`, `B2-105`."""
    takers = [u for u in units if u.status != "空置" and rng.random() < 0.35]
    per_level = max(200, -(-len(takers) // 2))
    slots = rng.sample([(lvl, n) for lvl in (1, 2) for n in range(1, per_level + 1)], len(takers))
    for unit, (lvl, n) in zip(takers, slots):
        unit.parking = f"B{lvl}-{n:03d}"


def make_transfers(rng: random.Random, fake: _Faker, units: list[Unit]) -> list[dict[str, object]]:
    """A few ownership changes: the new owner is the unit's current owner, the old one someone else."""
    count = rng.randint(3, 5) if len(units) <= 1000 else len(units) // 200
    candidates = [u for u in units if u.status != "空置" and u.move_in_date and u.move_in_date < dt.date(2021, 1, 1)]
    rows: list[dict[str, object]] = []
    for unit in rng.sample(candidates, min(count, len(candidates))):
        date = _date_between(rng, dt.date(2021, 1, 1), dt.date(2024, 12, 31))
        previous = fake.name()
        while previous == unit.owner_name:
            previous = fake.name()
        months = rng.randint(1, 12)  # arrears of 物业费 the old owner settled at the transfer
        rows.append({
            "unit_id": unit.unit_id,
            "date": date,
            "from_owner": previous,
            "to_owner": unit.owner_name,
            "phone": unit.phone,
            "settled": round(unit.area * 2.5 * months, 2),
            "operator": OPERATOR,
        })
        if unit.notes is None:
            unit.notes = f"{date:%Y-%m-%d}过户"
    rows.sort(key=lambda row: (row["date"], row["unit_id"]))
    return rows


def make_rates() -> list[dict[str, object]]:
    """Tariffs in force from 2023: area-based 物业费 (托管 at 0.7), tiered power and water, parking."""
    start = dt.date(2023, 1, 1)
    return [
        {"item": "物业费", "basis": "按面积", "price": 2.50, "effective_from": start},
        {"item": "物业费", "basis": "按面积", "price": 2.50, "applies_to": "托管", "factor": 0.7,
         "effective_from": start},
        {"item": "电费", "basis": "按用量", "tiers": "0-240:0.4883;240-400:0.5383;400-:0.7883",
         "tier_cycle": "月", "meter": "电表", "effective_from": start},
        {"item": "水费", "basis": "按用量", "tiers": "0-180:5;180-260:7;260-:9",
         "tier_cycle": "年", "meter": "水表", "effective_from": start},
        {"item": "停车费", "basis": "按车位", "price": 300, "effective_from": start},
    ]


def _company_for(name: str) -> str:
    base = name
    for suffix in ("花园", "小区", "家园", "新村", "公寓", "苑", "城", "府"):
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    return f"{base}物业服务有限公司"


def _append(ws: Worksheet, sheet: schema.Sheet, rows: list[dict[str, object]]) -> None:
    """Append rows in column order, giving every cell its column's number format.

    openpyxl does not apply a column's default style to cells it writes, so the format is set per cell.
    """
    formats = [number_format(c) for c in sheet.columns]
    first = ws.max_row + 1
    for r, row in enumerate(rows, start=first):
        for c, (column, fmt) in enumerate(zip(sheet.columns, formats), start=1):
            value = _cell_value(column, row.get(column.key))
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt


def _cell_value(column: schema.Column, value: object) -> object:
    if value is None or value == "":
        return None
    if column.is_identifier:
        return str(value)
    if column.kind in (schema.Kind.DECIMAL, schema.Kind.MONEY):
        return round(float(value), 4 if column.key in ("price", "unit_price") else 2)
    return value


def generate(
    path: Path = DEFAULT_OUT, *, units: int = DEFAULT_UNITS, seed: int = DEFAULT_SEED, name: str = DEFAULT_NAME
) -> Path:
    """Write the sample estate to `path` (replacing it) and return the path."""
    if units < 1:
        raise ValueError("units must be at least 1")
    path = Path(path)
    rng = random.Random(seed)
    fake = _Faker(rng)
    owners = make_units(rng, fake, units)
    assign_parking(rng, owners)
    transfers = make_transfers(rng, fake, owners)
    rates = make_rates()

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".gen-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # create_workbook refuses an existing file
        create_workbook(tmp, name=name, company=_company_for(name), phone=SERVICE_PHONE, address=ADDRESS)
        wb = load_workbook(tmp)
        estate = wb[schema.ESTATE.zh]
        for row in estate.iter_rows(min_row=2):
            if row[0].value == "收款账户":
                row[1].value = BANK_ACCOUNT
        _append(wb[schema.OWNERS.zh], schema.OWNERS, [vars(u) for u in owners])
        _append(wb[schema.TRANSFERS.zh], schema.TRANSFERS, transfers)
        _append(wb[schema.RATES.zh], schema.RATES, rates)
        tmp.write_bytes(workbook_bytes(wb))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例小区台账 (a reproducible sample estate workbook)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help="output .xlsx (replaced)")
    parser.add_argument("--units", type=int, default=DEFAULT_UNITS, help=f"number of units (default {DEFAULT_UNITS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"estate name (default {DEFAULT_NAME})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = generate(args.output, units=args.units, seed=args.seed, name=args.name)
    print(f"{out}: {args.units} units in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
