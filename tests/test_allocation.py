"""Payment allocation: oldest bills first or the bills named, overpayment kept as 预存, prepaid consumed
by later bills, the 分配 cell, bill status — with hand-computed examples and conservation properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.domain.allocation import (
    PREPAID, Allocation, AllocationError, OpenBill, allocate, allocation_pairs, bill_status, consume_prepaid,
    format_allocations, parse_allocations,
)

D = Decimal
JAN = OpenBill("ZD202501000001", "2025-01", D("120.00"), D("0"))
FEB = OpenBill("ZD202502000001", "2025-02", D("100.50"), D("20.00"))  # 80.50 outstanding
MAR = OpenBill("ZD202503000001", "2025-03", D("150.00"), D("0"))
OLD_PAID = OpenBill("ZD202412000001", "2024-12", D("90.00"), D("90.00"))  # nothing outstanding


def test_oldest_first_with_prepaid() -> None:
    # 210.50 over JAN (120.00) and FEB (80.50 outstanding): 210.50 − 120.00 − 80.50 = 10.00 left → 预存
    result = allocate(D("210.50"), [FEB, JAN, OLD_PAID])
    assert result == (
        Allocation("ZD202501000001", D("120.00")),
        Allocation("ZD202502000001", D("80.50")),
        Allocation(PREPAID, D("10.00")),
    )
    assert format_allocations(result) == "ZD202501000001:120.00;ZD202502000001:80.50;预存:10.00"


def test_oldest_first_partial() -> None:
    # 150 over JAN, FEB, MAR: JAN 120.00, then 150 − 120 = 30.00 to FEB (of 80.50), nothing to MAR
    assert allocate(D(150), [MAR, FEB, JAN]) == (
        Allocation("ZD202501000001", D("120.00")),
        Allocation("ZD202502000001", D("30.00")),
    )
    # 210.50 with MAR open too: the 10.00 left after JAN and FEB goes to MAR, not to 预存
    assert allocate(D("210.50"), [JAN, FEB, MAR])[-1] == Allocation("ZD202503000001", D("10.00"))
    # exactly the total outstanding (120.00 + 80.50 + 150.00 = 350.50): no 预存
    assert [a.target for a in allocate(D("350.50"), [JAN, FEB, MAR])] == [JAN.bill_id, FEB.bill_id, MAR.bill_id]


def test_order_within_a_period() -> None:
    # same period: by due date (none = last), then order, then bill id
    water = OpenBill("B3", "2025-01", D(10), D(0), due_date=date(2025, 1, 20))
    fee = OpenBill("B9", "2025-01", D(10), D(0), due_date=date(2025, 1, 15))
    parking_a = OpenBill("B2", "2025-01", D(10), D(0), order=2)
    parking_b = OpenBill("B1", "2025-01", D(10), D(0), order=2)
    power = OpenBill("B5", "2025-01", D(10), D(0), order=1)
    older = OpenBill("B7", "2024-12", D(10), D(0), due_date=date(2025, 3, 1))
    result = allocate(D(60), [water, fee, parking_a, parking_b, power, older])
    assert [a.target for a in result] == ["B7", "B9", "B3", "B5", "B1", "B2"]


def test_no_open_bills() -> None:
    assert allocate(D(50), []) == (Allocation(PREPAID, D("50.00")),)
    assert allocate(D(50), [OLD_PAID]) == (Allocation(PREPAID, D("50.00")),)


def test_named_bills() -> None:
    # the clerk names MAR then JAN: 100 all to MAR (150.00 outstanding)
    assert allocate(D(100), [JAN, FEB, MAR], named=[MAR.bill_id, JAN.bill_id]) == (
        Allocation("ZD202503000001", D("100.00")),
    )
    # 300 to FEB only: 80.50 to FEB, 300 − 80.50 = 219.50 to 预存 (JAN and MAR are not touched)
    assert allocate(D(300), [JAN, FEB, MAR], named=[FEB.bill_id]) == (
        Allocation("ZD202502000001", D("80.50")),
        Allocation(PREPAID, D("219.50")),
    )
    # 200 to MAR then JAN: 150.00 to MAR, 200 − 150 = 50.00 to JAN
    assert allocate(D(200), [JAN, FEB, MAR], named=[MAR.bill_id, JAN.bill_id]) == (
        Allocation("ZD202503000001", D("150.00")),
        Allocation("ZD202501000001", D("50.00")),
    )


@pytest.mark.parametrize(
    ("named", "key", "bill"),
    [
        (["ZD209901000001"], "alloc.unknown_bill", "ZD209901000001"),
        ([OLD_PAID.bill_id], "alloc.closed_bill", OLD_PAID.bill_id),
        ([JAN.bill_id, FEB.bill_id, JAN.bill_id], "alloc.duplicate_bill", JAN.bill_id),
    ],
)
def test_named_bills_rejected(named: list[str], key: str, bill: str) -> None:
    with pytest.raises(AllocationError) as info:
        allocate(D(10), [JAN, FEB, OLD_PAID], named=named)
    assert info.value.key == key
    assert info.value.params == {"bill": bill}


@pytest.mark.parametrize("amount", [D(0), D(-1), D("1.234"), D("-0.01"), D("NaN"), D("Infinity"), 1.5, "abc"])
def test_bad_amount(amount: object) -> None:
    with pytest.raises(AllocationError) as info:
        allocate(amount, [JAN])  # type: ignore[arg-type]
    assert info.value.key == "alloc.amount"
    assert isinstance(info.value, ValueError)


def test_consume_prepaid() -> None:
    # 30.00 from SJ001 and 100.00 from SJ002 over JAN (120.00) and FEB (80.50):
    # SJ001 → JAN 30.00; SJ002 → JAN 120.00 − 30.00 = 90.00; SJ002 → FEB 100.00 − 90.00 = 10.00
    moves = consume_prepaid([("SJ001", D("30.00")), ("SJ002", D("100.00"))], [FEB, JAN])
    assert moves == [
        ("SJ001", "ZD202501000001", D("30.00")),
        ("SJ002", "ZD202501000001", D("90.00")),
        ("SJ002", "ZD202502000001", D("10.00")),
    ]
    # 300.00 over JAN and FEB: 120.00 + 80.50 = 200.50 used, 99.50 stays prepaid
    assert consume_prepaid([("SJ001", D("300.00"))], [JAN, FEB, OLD_PAID]) == [
        ("SJ001", "ZD202501000001", D("120.00")),
        ("SJ001", "ZD202502000001", D("80.50")),
    ]
    # a used-up source is skipped; no bills or no sources → no moves
    assert consume_prepaid([("SJ000", D(0)), ("SJ001", D("5.00"))], [JAN]) == [("SJ001", "ZD202501000001", D("5.00"))]
    assert consume_prepaid([("SJ001", D(5))], []) == []
    assert consume_prepaid([], [JAN]) == []


def test_parse_allocations() -> None:
    text = "ZD202501000001:120.00;ZD202502000001:80.50;预存:10.00"
    assert parse_allocations(text) == (
        Allocation("ZD202501000001", D("120.00")),
        Allocation("ZD202502000001", D("80.50")),
        Allocation(PREPAID, D("10.00")),
    )
    assert parse_allocations("ZD1：120；预存：10.5") == (Allocation("ZD1", D("120.00")), Allocation(PREPAID, D("10.50")))
    # spaces, a trailing separator, a line break; a repeated target stays two entries
    assert parse_allocations(" ZD1 : 5 ;\nZD1:5.00; ") == (Allocation("ZD1", D(5)), Allocation("ZD1", D(5)))
    assert parse_allocations("预存:-10.00") == (Allocation(PREPAID, D("-10.00")),)  # a prepaid balance used
    assert parse_allocations("") == ()
    assert parse_allocations(None) == ()
    assert parse_allocations("  ") == ()
    assert format_allocations(()) == ""
    assert format_allocations([Allocation("ZD1", D(5))]) == "ZD1:5.00"


def test_allocation_pairs_read_as_parse_allocations() -> None:
    # the reports' reading of a 分配 cell: the same entries, as (target, amount) pairs, on the written
    # form's fast path and on a hand-typed cell's (full-width, spaces, no decimals → two decimals)
    assert allocation_pairs("ZD202501000001:120.00;预存:10.00") == [("ZD202501000001", D("120.00")), (PREPAID, D("10.00"))]
    assert allocation_pairs("ZD1：120；预存： 10.5") == [("ZD1", D("120.00")), (PREPAID, D("10.50"))]
    assert str(allocation_pairs("ZD1：120")[0][1]) == "120.00"
    assert allocation_pairs(None) == allocation_pairs(" ") == []


@pytest.mark.parametrize("text", ["abc", "ZD1:1.234", "ZD1:", ":5", "ZD1:5:6", "ZD1 5", "ZD1:五元", "ZD1:1,200.00"])
def test_parse_allocations_rejects(text: str) -> None:
    for parse in (parse_allocations, allocation_pairs):
        with pytest.raises(AllocationError) as info:
            parse(text)
        assert info.value.key == "alloc.syntax"
        assert info.value.params == {"text": text}


@pytest.mark.parametrize(
    ("amount", "paid", "status"),
    [
        ("100.00", "0", "未缴"),
        ("100.00", "0.01", "部分"),
        ("100.00", "99.99", "部分"),
        ("100.00", "100.00", "已缴"),
        ("100.00", "120.00", "已缴"),
        ("0", "0", "已缴"),
    ],
)
def test_bill_status(amount: str, paid: str, status: str) -> None:
    assert bill_status(D(amount), D(paid)) == status


# ---- properties ------------------------------------------------------------------------------------

def _yuan(fen: int) -> Decimal:
    return D(fen).scaleb(-2)


_CENTS = st.integers(min_value=0, max_value=200_000).map(_yuan)
_PERIODS = st.sampled_from(["2024-11", "2024-12", "2025-01", "2025-02"])
_DUE = st.none() | st.integers(min_value=0, max_value=150).map(lambda d: date(2024, 11, 1) + timedelta(days=d))


@st.composite
def bill_lists(draw: st.DrawFn) -> list[OpenBill]:
    n = draw(st.integers(min_value=0, max_value=8))
    bills = []
    for i in range(n):
        amount = draw(st.integers(min_value=0, max_value=200_000))
        paid = draw(st.sampled_from([0, amount]) | st.integers(min_value=0, max_value=amount))
        bills.append(
            OpenBill(f"ZD{i:012d}", draw(_PERIODS), _yuan(amount), _yuan(paid), draw(_DUE), draw(st.integers(0, 3)))
        )
    return bills


_PAYMENTS = st.integers(min_value=1, max_value=1_000_000).map(_yuan)


def _check_conservation(amount: Decimal, eligible: list[OpenBill], result: tuple[Allocation, ...]) -> None:
    assert sum((a.amount for a in result), D(0)) == amount
    assert all(a.amount > 0 for a in result)
    by_id = {b.bill_id: b for b in eligible}
    targets = [a.target for a in result]
    assert len(targets) == len(set(targets))
    for a in result:
        if a.target != PREPAID:
            assert a.amount <= by_id[a.target].outstanding
    if PREPAID in targets:
        assert targets[-1] == PREPAID
        assert all(next(a.amount for a in result if a.target == b.bill_id) == b.outstanding for b in eligible)
    else:
        assert sum((b.outstanding for b in eligible), D(0)) >= amount


@settings(max_examples=150, deadline=None)
@given(_PAYMENTS, bill_lists())
def test_allocate_conserves_money(amount: Decimal, bills: list[OpenBill]) -> None:
    result = allocate(amount, bills)
    eligible = [b for b in bills if b.outstanding > 0]
    _check_conservation(amount, eligible, result)
    # oldest first: every bill paid before the last one is paid in full
    paid = [a for a in result if a.target != PREPAID]
    order = sorted(eligible, key=lambda b: (b.period, b.due_date or date.max, b.order, b.bill_id))
    assert [a.target for a in paid] == [b.bill_id for b in order[: len(paid)]]
    assert all(a.amount == b.outstanding for a, b in zip(paid[:-1], order))


@settings(max_examples=150, deadline=None)
@given(_PAYMENTS, bill_lists(), st.data())
def test_allocate_named_conserves_money(amount: Decimal, bills: list[OpenBill], data: st.DataObject) -> None:
    open_bills = [b for b in bills if b.outstanding > 0]
    chosen = data.draw(st.permutations(open_bills))[: data.draw(st.integers(0, len(open_bills)))]
    result = allocate(amount, bills, named=[b.bill_id for b in chosen])
    eligible = chosen if chosen else open_bills  # no names: oldest first over every open bill
    _check_conservation(amount, eligible, result)
    if chosen:
        paid = [a.target for a in result if a.target != PREPAID]
        assert paid == [b.bill_id for b in chosen[: len(paid)]]


@settings(max_examples=150, deadline=None)
@given(st.lists(_CENTS, max_size=5), bill_lists())
def test_consume_prepaid_conserves_money(available: list[Decimal], bills: list[OpenBill]) -> None:
    sources = [(f"SJ{i:04d}", a) for i, a in enumerate(available)]
    moves = consume_prepaid(sources, bills)
    total_available = sum(available, D(0))
    total_outstanding = sum((b.outstanding for b in bills if b.outstanding > 0), D(0))
    assert sum((m[2] for m in moves), D(0)) == min(total_available, total_outstanding)
    assert all(m[2] > 0 for m in moves)
    for receipt, amount in sources:
        assert sum((m[2] for m in moves if m[0] == receipt), D(0)) <= amount
    for bill in bills:
        assert sum((m[2] for m in moves if m[1] == bill.bill_id), D(0)) <= max(bill.outstanding, D(0))


_TARGETS = st.integers(min_value=0, max_value=10**12 - 1).map(lambda n: f"ZD{n:012d}") | st.just(PREPAID)
_ENTRIES = st.lists(
    st.builds(Allocation, _TARGETS, st.integers(-10**9, 10**9).map(_yuan)), max_size=6
)


@settings(max_examples=150, deadline=None)
@given(_ENTRIES)
def test_format_parse_round_trip(allocs: list[Allocation]) -> None:
    text = format_allocations(allocs)
    assert parse_allocations(text) == tuple(allocs)
    assert format_allocations(parse_allocations(text)) == text


@settings(max_examples=100, deadline=None)
@given(_PAYMENTS, bill_lists())
def test_allocate_format_round_trip(amount: Decimal, bills: list[OpenBill]) -> None:
    result = allocate(amount, bills)
    assert parse_allocations(format_allocations(result)) == result


def test_spend_prepaid_moves_money_from_prepaid_to_the_bills_it_paid():
    from propcli.domain.allocation import spend_prepaid

    before = (Allocation("ZD202501000001", Decimal("100.00")), Allocation(PREPAID, Decimal("50.00")))
    after = spend_prepaid(before, [("ZD202502000001", Decimal("30.00"))])
    # 50 prepaid, 30 of it now paid February: 100 + 30 + 20 = 150, as before
    assert after == (Allocation("ZD202501000001", Decimal("100.00")), Allocation("ZD202502000001", Decimal("30.00")),
                     Allocation(PREPAID, Decimal("20.00")))
    with pytest.raises(AllocationError):
        spend_prepaid(before, [("ZD202502000001", Decimal("50.01"))])
