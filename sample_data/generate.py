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
from decimal import Decimal
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


# -- two years of readings, bills, payments and reminders ---------------------------------------------

LAST_PERIOD = (2026, 10)  # the sample's history ends with this month's bills, paid until mid-November
DEFAULT_MONTHS = 24
READERS = ("抄表员老陈", "抄表员小周")
CASHIERS = ("前台小王", "前台小李")
METHODS = (("微信", 45), ("支付宝", 20), ("银行转账", 15), ("现金", 12), ("POS", 8))
# How owners pay: on time, every quarter, when they think of it, part of it, stopped at some month (a
# dispute), never (an owner abroad), or a year ahead (预存).
PROFILES = (("prompt", 70), ("quarterly", 8), ("late", 8), ("partial", 3), ("stopped", 7), ("never", 2),
            ("prepay", 2))


def history(months: int) -> list[str]:
    y, m = LAST_PERIOD
    out = []
    for _ in range(months):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _next_period(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def _day(period: str, day: int) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:]), day)


@dataclass
class Ledger:
    readings: list[dict]
    bills: list[dict]
    payments: list[dict]
    reminders: list[dict]
    notes: dict[str, str]  # what the sample holds on purpose (the README and the tests name these units)


def make_readings(rng: random.Random, units: list[Unit], periods: list[str]) -> tuple[list[dict], dict[str, str]]:
    """Monthly water and power readings from a base read the month before the first period. On purpose:
    a power meter replaced, a water meter that rolls over, a leak (a spike), a zero in an occupied unit
    and a reading missing in the last month."""
    occupied = [u for u in units if u.status in ("自住", "出租")]
    special = rng.sample(occupied, 5)
    replaced, rolled, leak, zero, missing = (u.unit_id for u in special)
    notes = {"replaced": replaced, "rolled": rolled, "leak": leak, "zero": zero, "missing": missing}
    base = _day(periods[0], 1) - dt.timedelta(days=1)
    base_period = f"{base:%Y-%m}"
    rows: list[dict] = []
    for u in units:
        water = Decimal(9960 if u.unit_id == rolled else rng.randint(40, 900))
        power = Decimal(rng.randint(1500, 30000))
        reader = rng.choice(READERS)
        for meter, value in (("水表", water), ("电表", power)):
            rows.append({"unit_id": u.unit_id, "meter": meter, "period": base_period,
                         "read_date": _day(base_period, 25), "reading": value, "reader": reader})
        people = max(u.household_size, 1)
        for period in periods:
            month = int(period[5:])
            if u.status in ("空置",):
                w, e = Decimal(0), Decimal(rng.randint(0, 3))
            else:
                w = Decimal(max(1, round(rng.gauss(2.5 + 3 * people, 2))))
                season = 1.6 if month in (6, 7, 8, 9) else 1.25 if month in (12, 1, 2) else 1.0
                e = Decimal(max(20, round(rng.gauss((70 + 55 * people) * season, 30))))
            last = period == periods[-1]
            if last and u.unit_id == leak:
                w *= 6  # a running toilet: far above the unit's usual
            if last and u.unit_id == zero:
                w = e = Decimal(0)  # nobody home all month, or a stuck meter: to be checked
            date = _day(period, 25)
            water += w
            mark = None
            if u.unit_id == rolled and water >= 10000:
                water -= 10000  # a 4-digit water meter passes 9999
                mark = "翻转"
            rows.append({"unit_id": u.unit_id, "meter": "水表", "period": period, "read_date": date,
                         "reading": water, "reader": reader, "replacement": mark})
            if u.unit_id == replaced and period == periods[len(periods) // 2]:
                old_final = power + e // 2  # the old meter ran until the swap, the new one from 0
                power = e - e // 2
                rows.append({"unit_id": u.unit_id, "meter": "电表", "period": period, "read_date": date,
                             "reading": power, "reader": reader, "replacement": f"{old_final}/0",
                             "notes": "电表故障，已更换新表"})
                continue
            power += e
            if last and u.unit_id == missing:
                continue  # the reader could not get in: no reading this month
            rows.append({"unit_id": u.unit_id, "meter": "电表", "period": period, "read_date": date,
                         "reading": power, "reader": reader})
    return rows, notes


def make_ledger(rng: random.Random, fake: _Faker, units: list[Unit], rates: list[dict], months: int) -> Ledger:
    """Bills from the rates and readings by propcli's own billing rules, and two years of the desk."""
    from propcli.domain import allocation as alloc
    from propcli.domain.billing import Unit as BillUnit, last_day, parse_rate
    from propcli.domain.money import DEFAULT_ROUNDING
    from propcli.domain.readings import Reading, parse_mark, usages
    from propcli.ops.billing import compute
    from propcli.ops.sequence import BILLS

    def bill_id(period: str, seq: int) -> str:
        return BILLS.format(BILLS.scope(period), seq)

    periods = history(months)
    readings, notes = make_readings(rng, units, periods)
    usage = usages(Reading(r["unit_id"], r["meter"], r["period"], r["reading"], parse_mark(r.get("replacement")))
                   for r in readings)
    parsed = [parse_rate({k: Decimal(str(v)) if isinstance(v, float | int) else v for k, v in r.items()}, i + 2)
              for i, r in enumerate(rates)]
    bill_units = {u.unit_id: BillUnit(u.unit_id, Decimal(str(u.area)), u.status, u.household_size or None, u.parking)
                  for u in units}
    profile = {u.unit_id: rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0] for u in units}
    stop = {u: rng.choice(periods[3:-3] or periods) for u, p in profile.items() if p == "stopped"}
    open_bills: dict[str, list[dict]] = {u.unit_id: [] for u in units}
    held: dict[str, list[dict]] = {u.unit_id: [] for u in units}  # payments still holding 预存
    bills: list[dict] = []
    payments: list[dict] = []
    receipts: dict[int, int] = {}
    methods, weights = [m for m, _ in METHODS], [w for _, w in METHODS]

    def outstanding(unit: str) -> Decimal:
        return sum((b["amount"] - b["paid"] for b in open_bills[unit]), Decimal(0))

    def pay(unit: str, amount: Decimal, day: dt.date, *, named: list[str] | None = None, void: str | None = None) -> None:
        bs = [alloc.OpenBill(b["bill_id"], b["period"], b["amount"], b["paid"], b["due_date"], i)
              for i, b in enumerate(open_bills[unit])]
        allocs = alloc.allocate(amount, bs, named)
        if void is None:
            by_id = {b["bill_id"]: b for b in open_bills[unit]}
            for a in allocs:
                if a.target != alloc.PREPAID:
                    b = by_id[a.target]
                    b["paid"] += a.amount
                    b["status"] = alloc.bill_status(b["amount"], b["paid"])
            open_bills[unit] = [b for b in open_bills[unit] if b["paid"] < b["amount"]]
        record = {"unit_id": unit, "paid_on": day, "amount": amount,
                  "method": rng.choices(methods, weights)[0], "operator": rng.choice(CASHIERS),
                  "allocations": allocs, "voided": void}
        payments.append(record)
        if void is None and any(a.target == alloc.PREPAID for a in allocs):
            held[unit].append(record)

    for n, period in enumerate(periods):
        lines, _ = compute(bill_units, parsed, period, DEFAULT_ROUNDING, usage)
        due = last_day(period) + dt.timedelta(days=15)
        for seq, line in enumerate(lines, start=1):
            bill = {"bill_id": bill_id(period, seq), "unit_id": line.unit, "period": period, "item": line.item,
                    "quantity": line.quantity, "unit_price": line.unit_price, "amount": line.amount,
                    "due_date": due, "paid": Decimal(0), "status": "未缴", "detail": line.detail}
            bills.append(bill)
            open_bills[line.unit].append(bill)
        for unit, records in held.items():  # 预存 pays the new bills
            if not records:
                continue
            fresh = [alloc.OpenBill(b["bill_id"], b["period"], b["amount"], b["paid"], b["due_date"], i)
                     for i, b in enumerate(open_bills[unit]) if b["period"] == period]
            sources = [(str(id(r)), sum((a.amount for a in r["allocations"] if a.target == alloc.PREPAID),
                                        Decimal(0))) for r in records]
            moves = alloc.consume_prepaid(sources, fresh)
            by_id = {b["bill_id"]: b for b in open_bills[unit]}
            for r in records:
                mine = [(b, amt) for src, b, amt in moves if src == str(id(r))]
                if mine:
                    r["allocations"] = alloc.spend_prepaid(r["allocations"], mine)
            for _, b, amt in moves:
                by_id[b]["paid"] += amt
                by_id[b]["status"] = alloc.bill_status(by_id[b]["amount"], by_id[b]["paid"])
            open_bills[unit] = [b for b in open_bills[unit] if b["paid"] < b["amount"]]
            held[unit] = [r for r in records if any(a.target == alloc.PREPAID for a in r["allocations"])]
        month = _next_period(period)  # the month the desk takes the money for `period`
        for unit in sorted(open_bills, key=lambda u: bill_units[u].unit):
            kind = profile[unit]
            owed = outstanding(unit)
            day = _day(month, rng.randint(1, 20))
            if kind == "prepay" and n == 0:
                pay(unit, Decimal(rng.choice((3000, 5000, 8000))), day)
                continue
            if owed <= 0 or kind == "never" or (kind == "stopped" and period >= stop[unit]):
                continue
            if kind in ("prompt", "prepay") and rng.random() < 0.96:
                pay(unit, owed, day)
            elif kind == "quarterly" and int(period[5:]) % 3 == 0:
                pay(unit, owed, day)
            elif kind == "late" and rng.random() < 0.35:
                pay(unit, owed, day)
            elif kind == "partial":
                pay(unit, min(owed, Decimal(rng.choice((200, 300, 500)))), day)
        if n == len(periods) // 3:  # a payment keyed in twice at the desk, voided the same day
            first = next((p for p in reversed(payments) if p["voided"] is None and p["paid_on"] >= _day(month, 1)), None)
            if first is not None:
                pay(first["unit_id"], first["amount"], first["paid_on"], void=f"{first['paid_on']} 重复录入")
                notes["voided"] = first["unit_id"]
    payments.sort(key=lambda p: (p["paid_on"], p["voided"] is not None, p["unit_id"]))
    for p in payments:
        year = p["paid_on"].year
        receipts[year] = receipts.get(year, 0) + 1
        p["receipt_no"] = f"SJ{year}{receipts[year]:06d}"
        p["allocations"] = alloc.format_allocations(p["allocations"])
    notes.update({k: next((u for u, p in profile.items() if p == k), "") for k in ("stopped", "never", "prepay")})
    reminders = make_reminders(rng, units, bills, payments, profile)
    return Ledger(readings, bills, payments, reminders, notes)


OUTCOMES_PHONE = (("承诺本月底前缴清", True), ("无人接听", False), ("对维修不满意，暂不缴费", False),
                  ("业主在外地，回来后处理", True), ("拒接", False))


def make_reminders(rng: random.Random, units: list[Unit], bills: list[dict], payments: list[dict],
                   profile: dict[str, str]) -> list[dict]:
    """催缴记录 for the units that fell behind: 书面通知 and 短信 in the first overdue month, a phone call,
    a 催缴函 by EMS three months later if still unpaid, a visit for long-term debtors living here."""
    end = dt.date(2026, 11, 20)
    unpaid_since: dict[str, dt.date] = {}
    for b in bills:
        if b["status"] != "已缴":
            unpaid_since[b["unit_id"]] = min(unpaid_since.get(b["unit_id"], dt.date.max), b["due_date"])
    status = {u.unit_id: u.status for u in units}
    rows: list[dict] = []
    for unit, since in sorted(unpaid_since.items(), key=lambda kv: (kv[1], kv[0])):
        if profile[unit] not in ("stopped", "never", "late", "partial") or (end - since).days < 40:
            continue
        operator = rng.choice(CASHIERS)
        day = since + dt.timedelta(days=rng.randint(3, 10))
        for channel in ("书面通知", "短信"):
            rows.append({"unit_id": unit, "date": day, "channel": channel, "outcome": "已送达",
                         "operator": operator})
        phone_day = day + dt.timedelta(days=rng.randint(25, 40))
        if phone_day > end:
            continue
        outcome, promised = rng.choice(OUTCOMES_PHONE)
        rows.append({"unit_id": unit, "date": phone_day, "channel": "电话", "outcome": outcome,
                     "promise_date": phone_day + dt.timedelta(days=20) if promised else None, "operator": operator})
        letter_day = phone_day + dt.timedelta(days=92)
        if letter_day <= end and profile[unit] in ("stopped", "never"):
            rows.append({"unit_id": unit, "date": letter_day, "channel": "催缴函", "outcome": "EMS 已签收",
                         "tracking_no": f"EA{rng.randrange(10**9):09d}CN", "operator": operator})
            visit_day = letter_day + dt.timedelta(days=60)
            if visit_day <= end and status[unit] in ("自住", "出租"):
                rows.append({"unit_id": unit, "date": visit_day, "channel": "上门", "outcome": "业主表示有异议，约谈物业经理",
                             "operator": operator})
    rows.sort(key=lambda r: (r["date"], r["unit_id"]))
    return rows


LEGACY_PERIODS = ("2023-09", "2023-10", "2023-11", "2023-12")
LEGACY_NOTE = "期初欠费（系统上线前），业主对 2023 年电梯停运期间收费有异议"


def add_legacy_debts(rng: random.Random, units: list[Unit], rates: list[dict], ledger: Ledger) -> None:
    """Three owners who pay every month but never paid September–December 2023 (a dispute from before
    the estate kept its registers in this workbook), so the arrears report has limitation cases:

    - `legacy_lapsing`: only an SMS, which does not interrupt: two bills already time-barred, two close;
    - `legacy_letter`: a 催缴函 signed for on 2024-03-08: every bill's three years start again that day;
    - `legacy_agreement`: an instalment agreement on 2024-02-01, not kept: the period runs to 2027-02-01.
    """
    from propcli.domain.billing import Unit as BillUnit, last_day, parse_rate
    from propcli.domain.money import DEFAULT_ROUNDING
    from propcli.ops.billing import compute
    from propcli.ops.sequence import BILLS

    def bill_id(period: str, seq: int) -> str:
        return BILLS.format(BILLS.scope(period), seq)

    taken = set(ledger.notes.values()) | {r["unit_id"] for r in ledger.reminders}
    owing = {b["unit_id"] for b in ledger.bills if b["status"] != "已缴"}
    pool = [u for u in units if u.status == "自住" and u.unit_id not in taken | owing]
    chosen = sorted(rng.sample(pool, 3), key=lambda u: u.unit_id)
    parsed = [parse_rate({k: Decimal(str(v)) if isinstance(v, float | int) else v for k, v in r.items()}, i + 2)
              for i, r in enumerate(rates)]
    bill_units = {u.unit_id: BillUnit(u.unit_id, Decimal(str(u.area)), u.status, u.household_size or None, u.parking)
                  for u in chosen}
    bills = []
    for period in LEGACY_PERIODS:
        lines, _ = compute(bill_units, parsed, period, DEFAULT_ROUNDING, {})
        seq = 0
        for line in lines:
            if line.item != "物业费":
                continue
            seq += 1
            bills.append({"bill_id": bill_id(period, seq), "unit_id": line.unit, "period": period, "item": line.item,
                          "quantity": line.quantity, "unit_price": line.unit_price, "amount": line.amount,
                          "due_date": last_day(period) + dt.timedelta(days=15), "paid": Decimal(0), "status": "未缴",
                          "detail": f"{line.detail}；{LEGACY_NOTE}"})
    lapsing, letter, agreement = (u.unit_id for u in chosen)
    operator = CASHIERS[0]
    contacts = [
        {"unit_id": lapsing, "date": dt.date(2023, 10, 20), "channel": "短信", "outcome": "已发送"},
        {"unit_id": letter, "date": dt.date(2023, 10, 20), "channel": "短信", "outcome": "已发送"},
        {"unit_id": letter, "date": dt.date(2023, 11, 10), "channel": "电话", "outcome": "业主称电梯停运期间不应收费"},
        {"unit_id": letter, "date": dt.date(2024, 3, 8), "channel": "催缴函", "outcome": "EMS 已签收",
         "tracking_no": f"EA{rng.randrange(10**9):09d}CN"},
        {"unit_id": agreement, "date": dt.date(2024, 2, 1), "channel": "上门",
         "outcome": "签订分期还款协议，约定 2024-06-30 前缴清", "promise_date": dt.date(2024, 6, 30)},
    ]
    ledger.bills[:0] = bills
    ledger.reminders.extend({**c, "operator": operator} for c in contacts)
    ledger.reminders.sort(key=lambda r: (r["date"], r["unit_id"]))
    ledger.notes.update({"legacy_lapsing": lapsing, "legacy_letter": letter, "legacy_agreement": agreement})


def reader_sheet(rng: random.Random, units: list[Unit], readings: list[dict], path: Path) -> Path:
    """The meter readers' sheet for the month after the history (房号 | 水表 | 电表 | 抄表日期 | 抄表员), as the
    clerk receives it, with two rows to reject: a unit the estate does not have, a power meter going back."""
    import csv

    last: dict[tuple[str, str], Decimal] = {}
    for r in readings:
        last[(r["unit_id"], r["meter"])] = r["reading"]
    period = _next_period(history(1)[0])
    rows = [["房号", "水表", "电表", "抄表日期", "抄表员"]]
    for i, u in enumerate(units):
        people = max(u.household_size, 1)
        w = 0 if u.status == "空置" else max(1, round(rng.gauss(2.5 + 3 * people, 2)))
        e = rng.randint(0, 3) if u.status == "空置" else max(20, round(rng.gauss(70 + 55 * people, 30)))
        water, power = last[(u.unit_id, "水表")] + w, last[(u.unit_id, "电表")] + e
        if i == 7:
            power = last[(u.unit_id, "电表")] - 100  # misread: below last month
        rows.append([u.unit_id, str(water), str(power), f"{period}-25", READERS[i % 2]])
    rows.insert(40, ["9-9-9901", "15", "230", f"{period}-25", READERS[0]])
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return path


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


# -- repairs and complaints: a year at the front desk ----------------------------------------------

SERVICE_NOW = dt.datetime(2026, 11, 23, 8, 30)  # the sample's morning: the README's `workorders due`
REPAIRS: dict[str, tuple[tuple[str, ...], int]] = {  # category: (what residents report, weight)
    "水电": (("厨房水龙头漏水", "卫生间马桶水箱不止水", "客厅插座没电", "空开频繁跳闸", "热水器进水阀漏水", "下水道堵塞"), 35),
    "渗漏": (("卫生间楼板渗水到楼下", "外墙渗水，卧室墙面发霉", "阳台顶部滴水", "窗台雨后渗水"), 15),
    "门窗": (("入户门锁芯损坏", "推拉窗滑轮脱落", "防盗门闭门器漏油", "纱窗破损"), 15),
    "公共设施": (("楼道声控灯不亮", "单元门禁刷卡无反应", "电梯按钮失灵", "地库排水沟堵塞"), 15),
    "安全设施": (("楼道消防栓箱门损坏", "烟感报警器误报", "消防通道应急灯不亮", "天台护栏松动"), 8),
    "其他": (("信报箱锁坏了", "晾衣架无法升降", "空调冷凝水管脱落"), 12),
}
STAFF = ("李师傅", "王师傅", "赵师傅", "陈师傅")
VISITORS = ("前台小王", "前台小刘")
COMPLAINT_SUBJECTS = {
    "一般": ("楼下夜间装修噪音", "宠物狗在小区内随地便溺", "快递堆放在楼道", "垃圾清运不及时", "绿化修剪不及时"),
    "重要": ("维修师傅未按约定时间上门", "保安态度恶劣", "车位被占用，值班人员未处理", "物业费账单金额有误"),
    "重大": ("电梯困人超过30分钟", "地库积水淹没车辆"),
}
DEPARTMENTS = {"一般": "客服部", "重要": "工程部", "重大": "物业经理"}


def _stamp(rules, subject: str, step: str, at: dt.datetime) -> dt.datetime | None:  # type: ignore[no-untyped-def]
    from propcli.domain.deadlines import compute_due

    return compute_due(rules, subject, step, at)


def make_service(rng: random.Random, units: list[Unit], bills: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """A year of work orders (about one per unit) and complaints up to SERVICE_NOW, made as the commands
    would make them (deadlines stored per step), except some rows typed by hand (no deadlines, no 派工时间).
    On purpose: every category; some completions and visits late; some orders never visited; a reopened
    order; paid repairs billed as 有偿维修费; open orders and complaints for the morning's due list."""
    from propcli.domain.deadlines import parse_rule

    rules = [parse_rule(r) for r in schema.DEADLINES_DEFAULTS]
    start = SERVICE_NOW - dt.timedelta(days=358)
    cats, weights = list(REPAIRS), [w for _, w in REPAIRS.values()]
    times = sorted(start + dt.timedelta(minutes=rng.randint(0, 358 * 24 * 60)) for _ in range(len(units)))
    times = [t.replace(hour=max(8, min(t.hour, 20))) for t in times]
    bill_seq: dict[str, int] = {}
    for b in bills:
        bill_seq[b["period"]] = max(bill_seq.get(b["period"], 0), int(b["bill_id"][-6:]))
    orders, repair_bills = [], []
    seq: dict[str, int] = {}
    reopened = False

    def h(lo: float, hi: float) -> dt.timedelta:
        return dt.timedelta(hours=rng.uniform(lo, hi))

    def day(t: dt.datetime) -> dt.datetime:
        """Staff work 8:00–19:00: a time outside moves to the next morning."""
        if 8 <= t.hour < 19:
            return t.replace(second=0, microsecond=0)
        nxt = t.date() + dt.timedelta(days=1) if t.hour >= 19 else t.date()
        return dt.datetime.combine(nxt, dt.time(8 + rng.randint(0, 2), rng.randint(0, 59)))

    for when in times:
        unit = rng.choice(units)
        cat = rng.choices(cats, weights)[0]
        scope = f"{when:%Y%m}"
        seq[scope] = seq.get(scope, 0) + 1
        by_hand = rng.random() < 0.08
        o: dict[str, object] = {"order_no": f"GD{scope}{seq[scope]:04d}", "unit_id": unit.unit_id, "reported_at": when,
                                "reporter": unit.owner_name, "phone": unit.phone, "category": cat,
                                "content": rng.choice(REPAIRS[cat][0]),
                                "convenient_time": rng.choice(("上午", "下午", "晚上7点后", "周末", None))}
        paid = cat in ("水电", "门窗", "其他") and when > dt.datetime(2026, 9, 1) and rng.random() < 0.1
        if paid:
            o["paid"] = "是"
        if not by_hand:
            o["assign_due"] = _stamp(rules, cat, "派工", when)
        assigned = (when + (h(3, 6) if rng.random() < 0.05 else h(0.15, 1.8))).replace(second=0, microsecond=0)
        done = day(assigned + (h(2, 20) if cat == "安全设施" else h(6, 60)) + (h(96, 140) if rng.random() < 0.07 else h(0, 0)))
        leak = day(done + h(24, 72)) if cat == "渗漏" else None
        visit_from = leak or done
        late_visit = rng.random() < 0.08
        visited = day(visit_from + (h(76, 120) if late_visit else h(3, 40)))
        never = rng.random() < 0.03
        if assigned > SERVICE_NOW:
            o["status"] = "待派工"
            orders.append(o)
            continue
        o.update({"assigned_to": rng.choice(STAFF), "status": "处理中"})
        if not by_hand:
            o.update({"assigned_at": assigned, "done_due": _stamp(rules, cat, "完工", assigned)})
        if done > SERVICE_NOW:
            orders.append(o)
            continue
        o.update({"done_at": done, "status": "已完成"})
        if not by_hand and cat != "渗漏":
            o["visit_due"] = _stamp(rules, cat, "回访", done)
        if leak is not None and leak <= SERVICE_NOW:
            o["leak_test_at"] = leak
            if not by_hand:
                o["visit_due"] = _stamp(rules, cat, "回访", leak)
        if paid:
            fee = Decimal(rng.choice((30, 50, 80, 120, 150, 200)))
            period = f"{done:%Y-%m}"
            bill_seq[period] = bill_seq.get(period, 0) + 1
            bill_id = f"ZD{period.replace('-', '')}{bill_seq[period]:06d}"
            o.update({"charge": fee, "bill_id": bill_id})
            repair_bills.append({"bill_id": bill_id, "unit_id": unit.unit_id, "period": period, "item": "有偿维修费",
                                 "quantity": Decimal(1), "unit_price": fee, "amount": fee,
                                 "due_date": done.date() + dt.timedelta(days=15), "paid": Decimal(0), "status": "未缴",
                                 "detail": f"工单 {o['order_no']} 有偿维修：{o['content']}"})
        if never or visited > SERVICE_NOW or (leak is not None and leak > SERVICE_NOW):
            orders.append(o)
            continue
        result = rng.choices(("满意", "基本满意", "不满意"), (75, 20, 5))[0]
        if result == "不满意" and not reopened and not by_hand and visited < SERVICE_NOW - dt.timedelta(days=40):
            reopened = True  # sent back, redone two days later, visited again
            first = f"{visited:%Y-%m-%d} 不满意：问题未解决（返修）"
            redo = day(visited + h(30, 50))
            o.update({"assigned_at": visited, "done_due": _stamp(rules, cat, "完工", visited), "done_at": redo,
                      "reopened": 1, "visit_result": first})
            if cat == "渗漏":
                o["leak_test_at"] = day(redo + h(20, 30))
                redo = o["leak_test_at"]  # type: ignore[assignment]
            o["visit_due"] = _stamp(rules, cat, "回访", redo)  # type: ignore[arg-type]
            visited, result = day(redo + h(3, 20)), "满意"  # type: ignore[operator]
            o["visit_result"] = f"{first}；{visited:%Y-%m-%d} 满意：返修后问题已解决"
        o.update({"visited_at": visited, "visited_by": rng.choice(VISITORS), "satisfaction": result, "status": "已回访"})
        o.setdefault("visit_result", f"{visited:%Y-%m-%d} {result}" + ("：维修及时，态度好" if result == "满意" else ""))
        orders.append(o)
    complaints = []
    cseq: dict[str, int] = {}
    for when in sorted(start + dt.timedelta(minutes=rng.randint(0, 358 * 24 * 60)) for _ in range(max(4, len(units) // 12))):
        when = when.replace(hour=max(8, min(when.hour, 20)))
        sev = rng.choices(("一般", "重要", "重大"), (70, 25, 5))[0]
        unit = rng.choice(units)
        scope = f"{when:%Y%m}"
        cseq[scope] = cseq.get(scope, 0) + 1
        c: dict[str, object] = {"complaint_no": f"TS{scope}{cseq[scope]:04d}", "unit_id": unit.unit_id,
                                "received_at": when, "complainant": unit.owner_name, "phone": unit.phone,
                                "severity": sev, "subject": rng.choice(COMPLAINT_SUBJECTS[sev]),
                                "department": DEPARTMENTS[sev], "status": "已受理"}
        c.update({col: _stamp(rules, sev, step, when) for step, col in (("转呈", "forward_due"), ("答复", "answer_due"),
                                                                       ("解决", "resolve_due"))})
        late = rng.random() < 0.12
        steps = []
        if sev != "一般":
            steps.append(("转呈", "forwarded_at", (when + (h(1.5, 4) if late else h(0.1, 0.9))).replace(second=0, microsecond=0)))
        resolved = day(when + (h(80, 200) if late else h(4, 40)))
        steps.append(("解决", "resolved_at", resolved))
        steps.append(("答复", "answered_at", day(when + h(20, 40)) if sev == "重大" else (resolved + h(0.5, 3)).replace(second=0, microsecond=0)))
        for step, col, at in sorted(steps, key=lambda s: s[2]):
            if at > SERVICE_NOW:
                break
            c[col] = at
            c["status"] = {"转呈": "已转呈", "答复": "已答复", "解决": "已解决"}[step]
            if step == "解决":
                c["result"] = "已处理，住户认可"
                if sev != "重大":
                    c["answer_due"] = _stamp(rules, sev, "答复", at)
            if step == "转呈":
                c["forwarded_to"] = "部门负责人"
        complaints.append({k: v for k, v in c.items() if v is not None})
    _morning(rules, units, orders, complaints)
    return orders, complaints, repair_bills


def _morning(rules, units: list[Unit], orders: list[dict], complaints: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """The desk's open cases on the README's morning (2026-11-23, a Monday), written by hand-picked times so
    that the due list shows each kind: not dispatched, a completion due today, a visit due today, a
    complaint forwarded late and one past its 解决 deadline."""
    T = dt.datetime

    def u_(i: int) -> Unit:
        return units[i % len(units)]

    n = sum(1 for o in orders if str(o["order_no"]).startswith("GD202611"))
    cases = [  # unit, category, content, reported, assigned, done
        (u_(5), "水电", "厨房下水道返水", T(2026, 11, 22, 19, 5), None, None),
        (u_(40), "门窗", "入户门锁芯损坏，钥匙拧不动", T(2026, 11, 20, 16, 10), T(2026, 11, 20, 16, 40), None),
        (u_(77), "安全设施", "消防通道应急灯不亮", T(2026, 11, 21, 9, 20), T(2026, 11, 21, 9, 50), T(2026, 11, 21, 15, 0)),
        # a Friday-evening leak, fixed on Saturday; the leak test (试漏) is due on Monday, the visit 3 days after it
        (u_(150), "渗漏", "卫生间楼板渗水到楼下", T(2026, 11, 20, 18, 40), T(2026, 11, 20, 19, 10), T(2026, 11, 21, 10, 0)),
    ]
    for i, (unit, cat, content, reported, assigned, done) in enumerate(cases, start=n + 1):
        o: dict[str, object] = {"order_no": f"GD202611{i:04d}", "unit_id": unit.unit_id, "reported_at": reported,
                                "reporter": unit.owner_name, "phone": unit.phone, "category": cat, "content": content,
                                "assign_due": _stamp(rules, cat, "派工", reported), "status": "待派工"}
        if assigned:
            o.update({"assigned_to": STAFF[i % len(STAFF)], "assigned_at": assigned, "status": "处理中",
                      "done_due": _stamp(rules, cat, "完工", assigned)})
        if done:
            o.update({"done_at": done, "status": "已完成", "visit_due": _stamp(rules, cat, "回访", done)})
            if cat == "渗漏":
                del o["visit_due"]  # counted from the leak test, not yet made
        orders.append(o)
    m = sum(1 for c in complaints if str(c["complaint_no"]).startswith("TS202611"))
    for i, (unit, sev, subject, received, forwarded) in enumerate((
            (u_(120), "重要", "维修师傅未按约定时间上门", T(2026, 11, 20, 17, 30), T(2026, 11, 20, 19, 0)),
            (u_(200), "一般", "快递堆放在楼道", T(2026, 11, 19, 10, 15), None)), start=m + 1):
        c: dict[str, object] = {"complaint_no": f"TS202611{i:04d}", "unit_id": unit.unit_id, "received_at": received,
                                "complainant": unit.owner_name, "phone": unit.phone, "severity": sev, "subject": subject,
                                "department": DEPARTMENTS[sev], "status": "已受理",
                                "forward_due": _stamp(rules, sev, "转呈", received),
                                "resolve_due": _stamp(rules, sev, "解决", received)}
        if forwarded:
            c.update({"forwarded_at": forwarded, "forwarded_to": "工程部经理", "status": "已转呈"})
        complaints.append({k: v for k, v in c.items() if v is not None})


def generate(
    path: Path = DEFAULT_OUT, *, units: int = DEFAULT_UNITS, seed: int = DEFAULT_SEED, name: str = DEFAULT_NAME,
    months: int = 0, reader: Path | None = None,
) -> Path:
    """Write the sample estate to `path` (replacing it) and return the path. With `months`, the
    registers hold that many months of readings, bills, payments and reminders up to LAST_PERIOD, and
    `reader` (a .csv path) receives the meter readers' sheet of the month after."""
    if units < 1:
        raise ValueError("units must be at least 1")
    path = Path(path)
    rng = random.Random(seed)
    fake = _Faker(rng)
    owners = make_units(rng, fake, units)
    assign_parking(rng, owners)
    transfers = make_transfers(rng, fake, owners)
    rates = make_rates()
    ledger = make_ledger(random.Random(seed + 1), fake, owners, rates, months) if months else None
    if ledger is not None:
        add_legacy_debts(random.Random(seed + 3), owners, rates, ledger)

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
        if ledger is not None:
            orders, complaints, repair_bills = make_service(random.Random(seed + 4), owners, ledger.bills)
            _append(wb[schema.WORK_ORDERS.zh], schema.WORK_ORDERS, orders)
            _append(wb[schema.COMPLAINTS.zh], schema.COMPLAINTS, complaints)
            _append(wb[schema.READINGS.zh], schema.READINGS, ledger.readings)
            _append(wb[schema.BILLS.zh], schema.BILLS, ledger.bills + repair_bills)
            _append(wb[schema.PAYMENTS.zh], schema.PAYMENTS, ledger.payments)
            _append(wb[schema.REMINDERS.zh], schema.REMINDERS, ledger.reminders)
            last = max((p["receipt_no"] for p in ledger.payments), default="")
            for row in estate.iter_rows(min_row=2):
                if row[0].value == "最后收据号":
                    row[1].value = last
        tmp.write_bytes(workbook_bytes(wb))
        os.replace(tmp, path)
        if ledger is not None and reader is not None:
            reader_sheet(random.Random(seed + 2), owners, ledger.readings, reader)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例小区台账 (a reproducible sample estate workbook)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help="output .xlsx (replaced)")
    parser.add_argument("--units", type=int, default=DEFAULT_UNITS, help=f"number of units (default {DEFAULT_UNITS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"estate name (default {DEFAULT_NAME})")
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS,
                        help=f"months of readings, bills and payments up to {LAST_PERIOD[0]}-{LAST_PERIOD[1]:02d} "
                             f"(default {DEFAULT_MONTHS}; 0: owners and rates only)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reader = args.output.parent / f"readings-{_next_period(history(1)[0])}.csv" if args.months else None
    out = generate(args.output, units=args.units, seed=args.seed, name=args.name, months=args.months, reader=reader)
    print(f"{out}: {args.units} units in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
