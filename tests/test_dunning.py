"""The rules of arrears, by hand: ages and buckets, late fees, the limitation period and the dunning
ladder's plan (stage, next step and its date, promises, recent contacts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from propcli.domain import arrears as rules
from propcli.domain.dunning import Contact, PolicyError, Wait, check_ladder, parse_step, parse_wait, plan
from propcli.store.schema import DUNNING_DEFAULTS

day = dt.date.fromisoformat
LADDER = tuple(parse_step(v) for v in DUNNING_DEFAULTS)


# -- ages and buckets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("due", "as_of", "months"), [
    ("2025-04-15", "2025-04-15", 0),  # the due day itself: not yet overdue
    ("2025-04-15", "2025-04-16", 1),
    ("2025-04-15", "2025-05-15", 1),  # a full month later: still the first overdue month
    ("2025-04-15", "2025-05-16", 2),
    ("2025-04-15", "2025-07-20", 4),
    ("2025-01-31", "2025-02-28", 1),  # no 31st in February: the month ends on the 28th
    ("2025-01-31", "2025-03-01", 2),
    ("2023-12-15", "2026-12-16", 37),
])
def test_months_overdue(due: str, as_of: str, months: int) -> None:
    assert rules.months_overdue(day(due), day(as_of)) == months


@pytest.mark.parametrize(("months", "label"), [(1, "1–3"), (3, "1–3"), (4, "4–6"), (7, "7–12"), (12, "7–12"),
                                               (13, "13–24"), (25, "25–36"), (36, "25–36"), (37, ">36"), (120, ">36")])
def test_buckets(months: int, label: str) -> None:
    assert rules.bucket(months) == label


# -- late fees -------------------------------------------------------------------------------------


def test_late_fee_off_by_default() -> None:
    for text in (None, "", "不收", " 不收 ", "无"):
        assert rules.parse_late_fee(text) is None
    assert rules.late_fee(None, D("250"), day("2025-04-15"), day("2025-07-20")) == 0


def test_late_fee_worked_example() -> None:
    policy = rules.parse_late_fee("日0.5‰；宽限30天；上限10%")
    assert policy == rules.LateFeePolicy(D("0.0005"), 30, D("0.10"), True)
    # 150.00 due 2025-04-15, as of 2025-07-20: 96 days late, 66 after the grace: 150 × 0.0005 × 66 = 4.95
    assert rules.late_fee(policy, D("150"), day("2025-04-15"), day("2025-07-20")) == D("4.95")
    # 250.00 due 2025-06-15: 35 days, 5 after the grace: 250 × 0.0005 × 5 = 0.625 → 0.63 (half up)
    assert rules.late_fee(policy, D("250"), day("2025-06-15"), day("2025-07-20")) == D("0.63")
    # within the grace days: nothing
    assert rules.late_fee(policy, D("250"), day("2025-07-15"), day("2025-07-20")) == 0
    # two years late: 250 × 0.0005 × 700 = 87.50, capped at 10% = 25.00
    assert rules.late_fee(policy, D("250"), day("2023-07-15"), day("2025-07-14")) == D("25.00")


def test_late_fee_notations() -> None:
    assert rules.parse_late_fee("0.0003") == rules.LateFeePolicy(D("0.0003"))
    assert rules.parse_late_fee("每日0.03%,宽限15天") == rules.LateFeePolicy(D("0.0003"), 15)
    assert rules.parse_late_fee("日3‱；上限50元") == rules.LateFeePolicy(D("0.0003"), 0, D("50"), False)
    for bad in ("每天千分之三", "日5%；宽限三十天", "150%"):
        with pytest.raises(rules.LateFeeError):
            rules.parse_late_fee(bad)


# -- the limitation period -------------------------------------------------------------------------


def test_limitation_runs_three_years_from_due_date() -> None:
    assert rules.limitation_end(day("2023-12-15"), []) == day("2026-12-15")
    assert rules.limitation_end(day("2024-02-29"), []) == day("2027-02-28")


def test_limitation_starts_over_at_the_last_interruption_after_the_due_date() -> None:
    due = day("2023-12-15")
    assert rules.limitation_end(due, [day("2024-03-02"), day("2025-01-10")]) == day("2028-01-10")
    # a demand made before the debt fell due does not interrupt it
    assert rules.limitation_end(due, [day("2023-11-20")]) == day("2026-12-15")


@pytest.mark.parametrize(("channel", "outcome", "breaks"), [
    ("催缴函", "EMS 已签收", True),
    ("书面通知", "已送达", True),
    ("律师函", "本人签收", True),
    ("催缴函", "EMS 退回：查无此人", False),
    ("催缴函", "未签收", False),
    ("电话", "承诺月底缴清", False),  # a promise on the phone is hard to prove
    ("短信", "已送达", False),
    ("上门", "签订分期还款协议", True),  # an agreement
    ("诉讼", "已立案", True),
])
def test_what_interrupts(channel: str, outcome: str, breaks: bool) -> None:
    assert rules.interrupts(channel, outcome) is breaks


# -- the policy table ------------------------------------------------------------------------------


def test_wait_notation() -> None:
    assert parse_wait("15天") == Wait(15)
    assert parse_wait("3个月") == Wait(3, True)
    assert parse_wait("３个月") == Wait(3, True)  # full-width digit
    assert parse_wait(None) == Wait(0)
    assert Wait(3, True).after(day("2025-11-30")) == day("2026-02-28")
    with pytest.raises(ValueError):
        parse_wait("三个月")


@pytest.mark.parametrize(("values", "key", "column"), [
    ({"order": 1, "channel": "停水"}, "dunning.cut", "channel"),
    ({"order": 1, "channel": "上门", "notes": "仍不缴则停电"}, "dunning.cut", "notes"),
    ({"order": 1, "channel": "微信"}, "dunning.channel", "channel"),
    ({"order": 1, "channel": "电话", "after": "发函"}, "dunning.after", "after"),
    ({"order": 1, "channel": "电话", "wait": "两周"}, "dunning.wait", "wait"),
    ({"order": 1, "channel": "电话", "min_months": 0}, "dunning.min_months", "min_months"),
    ({"order": None, "channel": "电话"}, "dunning.order", "order"),
])
def test_bad_policy_rows(values: dict, key: str, column: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_step(values, 5)
    assert (info.value.key, info.value.column) == (key, column)


def test_a_ladder_names_each_step_once_and_reaches_every_step() -> None:
    check_ladder(LADDER)
    twice = (*LADDER, parse_step({"order": 8, "channel": "电话"}))
    with pytest.raises(PolicyError, match="dunning.twice"):
        check_ladder(twice)
    loop = (parse_step({"order": 1, "channel": "电话", "after": "短信"}),
            parse_step({"order": 2, "channel": "短信", "after": "电话"}))
    with pytest.raises(PolicyError, match="dunning.cycle"):
        check_ladder(loop)


# -- the plan --------------------------------------------------------------------------------------

OLDEST = day("2025-02-15")  # the oldest unpaid bill fell due on this day


def channels(actions) -> list[tuple[str, dt.date]]:  # type: ignore[no-untyped-def]
    return [(a.step.channel, a.due) for a in actions]


def test_first_overdue_month_notice_and_sms_together() -> None:
    p = plan(LADDER, OLDEST, [], day("2025-02-20"), "自住", gap_days=7)
    assert p.stage is None
    assert channels(p.next) == [("书面通知", day("2025-02-16")), ("短信", day("2025-02-16"))]
    assert channels(p.due(day("2025-02-15"))) == []


def test_phone_after_the_notice_then_a_letter_three_months_after_the_phone() -> None:
    contacts = [Contact(day("2025-02-20"), "书面通知", "已送达"), Contact(day("2025-02-20"), "短信", "已发送"),
                Contact(day("2025-03-10"), "电话", "无人接听")]
    p = plan(LADDER, OLDEST, contacts[:2], day("2025-03-01"), "自住", gap_days=7)
    assert channels(p.next) == [("电话", day("2025-03-07"))]  # 书面通知 2025-02-20 + 15 days
    p = plan(LADDER, OLDEST, contacts, day("2025-07-20"), "自住", gap_days=7)
    assert (p.stage.channel, p.stage_date) == ("电话", day("2025-03-10"))
    assert channels(p.next) == [("催缴函", day("2025-06-10"))]  # 电话 + 3 months


def test_a_visit_only_for_owners_living_here_and_not_before_six_months() -> None:
    contacts = [Contact(day("2025-02-20"), "书面通知", "已送达"), Contact(day("2025-02-20"), "短信", ""),
                Contact(day("2025-03-10"), "电话", ""), Contact(day("2025-06-12"), "催缴函", "EMS 已签收")]
    # 自住: 上门 a month after the letter (07-12) but not before the 6th overdue month (from 07-16)
    p = plan(LADDER, OLDEST, contacts, day("2025-07-20"), "自住", gap_days=7)
    assert channels(p.next) == [("上门", day("2025-07-16"))]
    # 出租: no visit; 律师函 counts from the letter (+3 months = 09-12) but waits for the 12th month (2026-01-16)
    p = plan(LADDER, OLDEST, contacts, day("2025-07-20"), "出租", gap_days=7)
    assert channels(p.next) == [("律师函", day("2026-01-16"))]


def test_a_pending_promise_holds_the_ladder_and_a_broken_one_lets_it_go_on() -> None:
    contacts = [Contact(day("2025-02-20"), "书面通知", "已送达"), Contact(day("2025-02-20"), "短信", ""),
                Contact(day("2025-03-10"), "电话", "承诺月底缴清", promise=day("2025-06-30"))]
    held = plan(LADDER, OLDEST, contacts, day("2025-06-20"), "自住", gap_days=7)
    assert held.promise == day("2025-06-30") and not held.promise_broken
    assert channels(held.next) == [("催缴函", day("2025-07-01"))]  # not 06-10: the day after the promise
    assert held.due(day("2025-06-20")) == []
    broken = plan(LADDER, OLDEST, contacts, day("2025-07-02"), "自住", gap_days=7)
    assert broken.promise_broken
    assert channels(broken.due(day("2025-07-02"))) == [("催缴函", day("2025-07-01"))]


def test_no_step_within_the_gap_after_an_unrelated_contact() -> None:
    contacts = [Contact(day("2025-02-20"), "书面通知", ""), Contact(day("2025-02-20"), "短信", ""),
                Contact(day("2025-03-10"), "电话", ""), Contact(day("2025-06-08"), "短信", "再次提醒")]
    p = plan(LADDER, OLDEST, contacts, day("2025-06-11"), "出租", gap_days=7)
    assert channels(p.next) == [("催缴函", day("2025-06-15"))]  # 06-10 by the ladder, but an SMS on 06-08
    # and the notice and SMS, one batch, do not hold each other back
    p = plan(LADDER, OLDEST, contacts[:1], day("2025-02-21"), "自住", gap_days=7)
    assert channels(p.next) == [("短信", day("2025-02-16"))]


def test_contacts_of_an_earlier_settled_episode_do_not_count() -> None:
    old = [Contact(day("2024-06-01"), "书面通知", "已送达"), Contact(day("2024-06-20"), "电话", "已缴清")]
    p = plan(LADDER, OLDEST, old, day("2025-02-20"), "自住", gap_days=7)
    assert p.stage is None
    assert channels(p.next) == [("书面通知", day("2025-02-16")), ("短信", day("2025-02-16"))]


def test_steps_before_the_furthest_one_taken_are_passed_over() -> None:
    # a 催缴函 sent without the notice, SMS or phone call before it: the next step is the visit
    contacts = [Contact(day("2025-03-08"), "催缴函", "EMS 已签收")]
    p = plan(LADDER, OLDEST, contacts, day("2025-09-01"), "自住", gap_days=7)
    assert (p.stage.channel, channels(p.actions)) == ("催缴函", [("上门", day("2025-07-16"))])
