"""One 楼栋 for a unit everywhere: `owners list -b`, `arrears report -b` and `bills summary` agree, whatever
the 房号 looks like (`3栋2单元1201`, `3-1-101`), and the owners register's own 楼栋 cell wins."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

from tests.fixtures.ledger import build, owner, rate


def test_owners_arrears_and_bills_agree_on_the_building(cli, tmp_path: Path) -> None:
    shop = {**owner("商铺A01", area="40", name="孙八"), "building": "3号楼"}  # its 楼栋 cell says building 3
    path = build(tmp_path / "estate.xlsx", owners=[
        owner("3栋2单元1201", area="100", name="王小明"), owner("3-1-101", area="80", name="李四"),
        owner("12#301", area="120", name="赵六"), shop,
    ], rates=[rate("物业费", "按面积", "2.50")])
    assert cli("-w", path, "billing", "run", "--period", "2025-01").exit_code == 0

    listed = cli("-w", path, "owners", "list", "-b", "3", "-f", "csv")
    assert listed.exit_code == 0, listed.output
    assert [u for u in ("3栋2单元1201", "3-1-101", "12#301", "商铺A01") if u in listed.stdout] == [
        "3栋2单元1201", "3-1-101", "商铺A01"]

    report = cli("-w", path, "arrears", "report", "-b", "3", "--as-of", "2025-03-01", "-f", "json", "--unmask")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    # January's bills, due 02-15: 250.00 + 200.00 + 100.00 (40 ㎡) in building 3; 12#301 is building 12
    assert sorted(d["unit_id"] for d in data["debtors"]["rows"]) == ["3-1-101", "3栋2单元1201", "商铺A01"]
    assert data["debtors"]["total"]["total"] == "550.00"

    summary = cli("-w", path, "bills", "summary", "-f", "json")
    assert summary.exit_code == 0, summary.output
    lines = json.loads(summary.stdout)["lines"]["rows"]
    assert [(x["building"], x["bills"], D(x["amount"])) for x in lines] == [("3", 3, D("550")), ("12", 1, D("300"))]
    only = json.loads(cli("-w", path, "bills", "summary", "-b", "3栋", "-f", "json").stdout)["lines"]["rows"]
    assert [(x["building"], D(x["amount"])) for x in only] == [("3", D("550"))]


def test_record_types_follow_the_schema() -> None:
    """Each record type has the `row` and then exactly its sheet's columns, in order."""
    from dataclasses import fields

    from propcli.ops.records import Complaint, Owner, WorkOrder
    from propcli.store.reader import Row

    for cls in (Owner, WorkOrder, Complaint):
        assert [f.name for f in fields(cls)] == ["row", *(c.key for c in cls.SPEC.columns)]
    owner = Owner.from_row(Row(7, {"unit_id": "3栋2单元1201", "owner_name": "王小明", "area": D("88.5")}))
    assert (owner.row, owner.unit_id, owner.area, owner.parts) == (7, "3栋2单元1201", D("88.5"), ("3", "2", "1201"))
    assert owner.values()["owner_name"] == "王小明" and "row" not in owner.values()
