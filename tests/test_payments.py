"""Payments at the desk: oldest-first allocation, named bills, prepaid balances used by later bills,
voids that reopen bills, receipt numbers that are never reused, and the printed receipt."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook
from tests.conftest import Cli, fresh_copy, pinned
from tests.fixtures.ledger import build, owner, rate


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(path: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    with Workbook(path) as wb:
        bills = {r["bill_id"]: r for r in wb.read(schema.BILLS).records()}
        payments = {r["receipt_no"]: r for r in wb.read(schema.PAYMENTS, required=False).records()}
    return bills, payments


JAN, FEB, MAR, APR = "ZD202501000001", "ZD202502000001", "ZD202503000001", "ZD202504000001"


@pytest.fixture(scope="session")
def _payments_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pinned():
        cli = Cli()
        path = build(tmp_path_factory.mktemp("payments") / "estate.xlsx",
                     owners=[owner("1-1-101", area="100", name="王小明")], rates=[rate("物业费", "按面积", "2.50")])
        for period in ("2025-01", "2025-02", "2025-03"):
            assert cli("-w", path, "billing", "run", "--period", period).exit_code == 0
    return path


@pytest.fixture
def estate(_payments_master: Path, tmp_path: Path) -> Path:
    """One unit of 100 ㎡ at 2.50 元/㎡·月: a 250.00 bill for each of January, February and March
    (built once per session; each test gets its own copy of the xlsx)."""
    return fresh_copy(_payments_master, tmp_path / "estate.xlsx")


def pay(cli, path: Path, amount: str, *more: str):  # type: ignore[no-untyped-def]
    return cli("-w", path, "payments", "record", "1-1-101", "--amount", amount, "--method", "微信",
               "--date", "2025-04-02", *more)


def test_oldest_first_then_partial(cli, estate):
    result = pay(cli, estate, "600")
    assert result.exit_code == 0, result.output
    assert "收据号 SJ2025000001" in result.output
    bills, payments = state(estate)
    # 600 = 250 (Jan) + 250 (Feb) + 100 towards March
    assert (bills[JAN]["paid"], bills[JAN]["status"]) == (D("250"), "已缴")
    assert (bills[FEB]["paid"], bills[FEB]["status"]) == (D("250"), "已缴")
    assert (bills[MAR]["paid"], bills[MAR]["status"]) == (D("100"), "部分")
    assert payments["SJ2025000001"]["allocations"] == f"{JAN}:250.00;{FEB}:250.00;{MAR}:100.00"
    assert payments["SJ2025000001"]["amount"] == D("600")


def test_overpayment_is_prepaid_and_the_next_bill_uses_it(cli, estate):
    pay(cli, estate, "600")
    result = pay(cli, estate, "200")
    # March still owes 150; the other 50 is kept as 预存
    assert "预存余额 50.00 元" in result.output
    bills, payments = state(estate)
    assert bills[MAR]["status"] == "已缴"
    assert payments["SJ2025000002"]["allocations"] == f"{MAR}:150.00;预存:50.00"
    assert cli("-w", estate, "billing", "run", "--period", "2025-04").exit_code == 0
    bills, payments = state(estate)
    # April's 250.00 bill takes the 50.00: 200.00 left to pay
    assert (bills[APR]["paid"], bills[APR]["status"]) == (D("50"), "部分")
    assert payments["SJ2025000002"]["allocations"] == f"{MAR}:150.00;{APR}:50.00"


def test_named_bills(cli, estate):
    result = pay(cli, estate, "250", "--bills", MAR)
    assert result.exit_code == 0
    bills, _ = state(estate)
    assert bills[MAR]["status"] == "已缴" and bills[JAN]["status"] == "未缴"
    again = pay(cli, estate, "250", "--bills", MAR)
    assert again.exit_code == 1 and f"账单 {MAR} 已结清" in again.output
    unknown = pay(cli, estate, "10", "--bills", "ZD209901000001")
    assert unknown.exit_code == 1 and "没有账单 ZD209901000001" in unknown.output


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc"])
def test_bad_amounts_change_nothing(cli, estate, amount):
    before = sha(estate)
    result = pay(cli, estate, amount)
    assert result.exit_code == 1
    assert amount in result.output
    assert sha(estate) == before


def test_void_reopens_bills_and_keeps_the_row(cli, estate):
    pay(cli, estate, "600")
    result = cli("-w", estate, "payments", "void", "SJ2025000001", "--reason", "重复收款", "--date", "2025-04-03")
    assert result.exit_code == 0, result.output
    assert "3 张账单已冲回" in result.output
    bills, payments = state(estate)
    assert all(bills[b]["paid"] == 0 and bills[b]["status"] == "未缴" for b in (JAN, FEB, MAR))
    assert payments["SJ2025000001"]["voided"] == "2025-04-03 重复收款"
    again = cli("-w", estate, "payments", "void", "SJ2025000001", "--reason", "x")
    assert again.exit_code == 1 and "已作废" in again.output
    # the void is journaled with the bills' before and after
    with Workbook(estate) as wb:
        journal = wb.read(schema.JOURNAL).records()
    voids = [j for j in journal if j["command"] == "payments void SJ2025000001"]
    assert any(j["key"] == JAN and "已收: 250" in j["before"] and "已收: 0" in j["after"] for j in voids)


def test_void_after_prepaid_was_used_reopens_that_bill_too(cli, estate):
    pay(cli, estate, "800")  # 750 for Jan–Mar, 50 预存
    cli("-w", estate, "billing", "run", "--period", "2025-04")  # April takes the 50
    cli("-w", estate, "payments", "void", "SJ2025000001", "--reason", "退款")
    bills, _ = state(estate)
    assert bills[APR]["paid"] == 0 and bills[APR]["status"] == "未缴"


def test_receipt_numbers_are_never_reused(cli, estate):
    pay(cli, estate, "100")
    pay(cli, estate, "100")
    book = openpyxl.load_workbook(estate)
    sheet = book[schema.PAYMENTS.zh]
    sheet.delete_rows(sheet.max_row)  # someone deletes the last receipt's row by hand
    book.save(estate)
    result = pay(cli, estate, "100")
    assert "收据号 SJ2025000003" in result.output  # not SJ2025000002 again
    with Workbook(estate) as wb:
        assert wb.settings()["last_receipt"] == "SJ2025000003"


def test_receipt_html(cli, estate, tmp_path):
    pay(cli, estate, "1234.50")
    out = tmp_path / "收据.html"
    result = cli("-w", estate, "payments", "receipt", "SJ2025000001", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "人民币壹仟贰佰叁拾肆元伍角整" in html
    assert "SJ2025000001" in html and "王小明" in html and "¥1234.50" in html
    assert "预存" in html and "484.50" in html  # 1234.50 − 3 × 250
    assert "作 废" not in html
    cli("-w", estate, "payments", "void", "SJ2025000001", "--reason", "金额录错", "--date", "2025-04-03")
    cli("-w", estate, "payments", "receipt", "SJ2025000001", "-o", out)
    assert "2025-04-03 金额录错" in out.read_text(encoding="utf-8")


def test_dry_run_payment_writes_nothing(cli, estate):
    before = sha(estate)
    result = pay(cli, estate, "300", "--dry-run")
    assert result.exit_code == 0 and "试运行" in result.output
    assert sha(estate) == before


def test_payments_list(cli, estate):
    pay(cli, estate, "100")
    result = cli("-w", estate, "payments", "list", "-f", "csv")
    assert "SJ2025000001,1-1-101,2025-04-02,100.00,微信" in result.output


def test_a_receipt_number_typed_twice_is_found_by_check(cli, estate):
    pay(cli, estate, "100")
    pay(cli, estate, "100")
    book = openpyxl.load_workbook(estate)
    sheet = book[schema.PAYMENTS.zh]
    sheet.cell(row=3, column=1, value="SJ2025000001")  # the clerk types a number by hand
    book.save(estate)
    result = cli("-w", estate, "check", "duplicate-id")
    assert result.exit_code == 3
    assert "收款记录 › 第 3 行，收据号: 'SJ2025000001' 重复（另见第 2 行）" in result.output


def test_after_a_sale_each_owner_pays_their_own_bills(cli, estate):
    # sold on 2025-03-01: January and February (ended before the sale) stay with 王小明, March is 李四's
    sold = cli("-w", estate, "owners", "transfer", "1-1-101", "--to", "李四", "--date", "2025-03-01")
    assert sold.exit_code == 0, sold.output
    buyer = pay(cli, estate, "300")
    assert buyer.exit_code == 0, buyer.output
    # 300 = 250 for March + 50 预存; the seller's 250 + 250 = 500 is left to the seller, and said so
    bills, payments = state(estate)
    assert payments["SJ2025000001"]["allocations"] == f"{MAR}:250.00;预存:50.00"
    assert (bills[JAN]["paid"], bills[FEB]["paid"]) == (D("0"), D("0"))
    assert "原业主（过户前）欠费 500.00 元未冲抵" in buyer.output
    before = sha(estate)
    over = pay(cli, estate, "600", "--former-owner")  # the seller owes 500: the rest cannot be the buyer's 预存
    assert over.exit_code == 1 and "多于原业主过户前的欠费 500.00" in over.output and sha(estate) == before
    seller = pay(cli, estate, "400", "--former-owner")
    assert seller.exit_code == 0, seller.output
    bills, payments = state(estate)  # oldest first among the seller's: 250 January, 150 towards February
    assert payments["SJ2025000002"]["allocations"] == f"{JAN}:250.00;{FEB}:150.00"
    assert (bills[FEB]["status"], bills[MAR]["status"]) == ("部分", "已缴")
