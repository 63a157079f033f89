"""时限规则: limits, the official working-day calendar, and where a work order or complaint stands.
Every deadline below is counted by hand on the calendar (2026-11-20 is a Friday, 2026-11-23 a Monday)."""

from __future__ import annotations

import datetime as dt

import pytest

from propcli.domain import deadlines as d
from propcli.domain.policy import PolicyError
from propcli.store.schema import DEADLINES_DEFAULTS

T = dt.datetime
RULES = [d.parse_rule(v, i + 2) for i, v in enumerate(DEADLINES_DEFAULTS)]


def test_limits_parse():
    assert d.parse_limit("2小时") == d.Limit(2, "小时")
    assert d.parse_limit(" ３天 ") == d.Limit(3, "天")
    assert d.parse_limit("当天") == d.Limit(0, "当天")
    assert d.parse_limit("5个工作日") == d.Limit(5, "工作日")
    for bad in ("", "两天", "0天", "3周", "-1天"):
        with pytest.raises(ValueError):
            d.parse_limit(bad)


def test_hours_days_and_same_day():
    # 重要 complaint received Monday 17:30: forwarded within 1 hour → 18:30 the same evening
    assert d.deadline(T(2026, 11, 23, 17, 30), d.Limit(1, "小时")).at == T(2026, 11, 23, 18, 30)
    # 2 hours from 23:00 run into the next day
    assert d.deadline(T(2026, 11, 23, 23, 0), d.Limit(2, "小时")).at == T(2026, 11, 24, 1, 0)
    # 3天 from Monday 17:30: Tue, Wed, Thu → end of Thursday 26th
    assert d.deadline(T(2026, 11, 23, 17, 30), d.Limit(3, "天")).at == T(2026, 11, 26, 23, 59)
    # 当天 at 23:30 still ends at the end of that day
    assert d.deadline(T(2026, 11, 23, 23, 30), d.Limit(0, "当天")).at == T(2026, 11, 23, 23, 59)


def test_working_days_across_national_day_and_its_make_up_saturday():
    # 2026: 10-01…10-07 holiday; Saturday 10-10 is a 调休 working day. From Wednesday 09-30 16:00,
    # 3 working days: Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 (3) → end of Saturday, not Monday 10-12.
    got = d.deadline(T(2026, 9, 30, 16, 0), d.Limit(3, "工作日"))
    assert got == d.Deadline(T(2026, 10, 10, 23, 59), assumed=False)
    # Sunday 09-20 is a make-up working day too: from Friday 09-18, 2 working days = Sun 20th, Mon 21st
    assert d.deadline(T(2026, 9, 18, 9, 0), d.Limit(2, "工作日")).at == T(2026, 9, 21, 23, 59)


def test_working_days_beyond_the_calendar_are_counted_monday_to_friday_and_said():
    assert d.known_until() == 2026  # the package's data today; the README says what happens after
    # From Wednesday 2026-12-30: Thu 12-31 (known), then 2027 unknown: Fri 01-01 counted, Mon 01-04 → 3
    got = d.deadline(T(2026, 12, 30, 10, 0), d.Limit(3, "工作日"))
    assert got == d.Deadline(T(2027, 1, 4, 23, 59), assumed=True)
    # inside the known calendar nothing is assumed
    assert not d.deadline(T(2026, 12, 1, 10, 0), d.Limit(3, "工作日")).assumed


def test_friday_evening_leak_tested_on_monday():
    # Reported Friday 18:40; dispatched 19:10 (due 20:40); fixed Saturday 10:00; leak test Monday 10:00.
    # The 渗漏 visit counts 3 days from the leak test: Tue, Wed, Thu → Thursday 2026-11-26 23:59.
    events = {"受理": T(2026, 11, 20, 18, 40), "派工": T(2026, 11, 20, 19, 10), "完工": T(2026, 11, 21, 10, 0),
              "试漏": None, "回访": None}
    before = {t.step: t for t in d.tracks(RULES, "渗漏", d.ORDER_STEPS, events, {})}
    assert before["派工"].due == T(2026, 11, 20, 20, 40) and before["派工"].on_time
    assert before["完工"].due == T(2026, 11, 23, 23, 59)  # 3天 from Friday's dispatch: Sat, Sun, Mon
    assert not before["回访"].open  # no visit falls due before the leak test
    events["试漏"] = T(2026, 11, 23, 10, 0)
    visit = {t.step: t for t in d.tracks(RULES, "渗漏", d.ORDER_STEPS, events, {})}["回访"]
    assert visit.due == T(2026, 11, 26, 23, 59)
    assert visit.open and not visit.due_on(dt.date(2026, 11, 25)) and visit.due_on(dt.date(2026, 11, 26))
    assert visit.overdue(T(2026, 11, 27, 0, 0)) and not visit.overdue(T(2026, 11, 26, 23, 59))


def test_serious_complaint_at_half_past_five():
    # 重要 received Monday 17:30: 转呈 by 18:30; 解决 by Thursday 23:59; 答复 the day it is solved.
    events = {"受理": T(2026, 11, 23, 17, 30), "转呈": T(2026, 11, 23, 18, 45), "答复": None,
              "解决": T(2026, 11, 25, 15, 0)}
    got = {t.step: t for t in d.tracks(RULES, "重要", d.COMPLAINT_STEPS, events, {})}
    assert got["转呈"].due == T(2026, 11, 23, 18, 30) and got["转呈"].on_time is False  # 15 minutes late
    assert got["解决"].due == T(2026, 11, 26, 23, 59) and got["解决"].on_time is True
    assert got["答复"].due == T(2026, 11, 25, 23, 59) and got["答复"].open


def test_stored_deadline_wins_over_todays_policy():
    events = {"受理": T(2026, 11, 2, 9, 0), "派工": T(2026, 11, 2, 9, 30), "完工": T(2026, 11, 3, 9, 0)}
    stored = {"回访": T(2026, 11, 6, 23, 59)}  # written when completed, under a 3天 policy of the time
    visit = {t.step: t for t in d.tracks(RULES, "水电", d.ORDER_STEPS, events, stored)}["回访"]
    assert visit.due == T(2026, 11, 6, 23, 59)  # today's policy (2天) would say the 5th


def test_policy_rows_refused_naming_the_column():
    cases = [({"subject": "全部", "step": "维修", "limit": "2天"}, "step"),
             ({"subject": "电梯", "step": "回访", "limit": "2天"}, "subject"),
             ({"subject": "重大", "step": "回访", "limit": "2天"}, "subject"),
             ({"subject": "渗漏", "step": "回访", "start": "回访", "limit": "2天"}, "start"),
             ({"subject": "渗漏", "step": "派工", "start": "完工", "limit": "2天"}, "start"),
             ({"subject": "重大", "step": "解决", "limit": "十天"}, "limit")]
    for values, column in cases:
        with pytest.raises(PolicyError) as exc:
            d.parse_rule(values)
        assert exc.value.column == column, values
    twice = RULES + [d.parse_rule({"subject": "渗漏", "step": "回访", "start": "完工", "limit": "1天"})]
    with pytest.raises(PolicyError):
        d.check_rules(twice)
    loop = [d.parse_rule({"subject": "一般", "step": "解决", "start": "答复", "limit": "2天"}),
            d.parse_rule({"subject": "一般", "step": "答复", "start": "解决", "limit": "当天"})]
    with pytest.raises(PolicyError):
        d.check_rules(loop)
    d.check_rules(RULES)  # the defaults are sound
