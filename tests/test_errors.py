"""The error shape: one exit-code table, one base for rule errors, one way to give them a location."""

from __future__ import annotations

import pytest

from propcli.domain.allocation import AllocationError
from propcli.domain.arrears import LateFeeError, parse_late_fee
from propcli.domain.billing import RateError
from propcli.domain.dunning import PolicyError
from propcli.domain.readings import ReadingError, parse_mark
from propcli.domain.tariffs import TariffError
from propcli.errors import DataError, Exit, Location, PropcliError, RuleError, WorkbookBusy, located
from propcli.store.normalize import ValueProblem, to_decimal


def test_exit_codes_are_the_design_table() -> None:
    assert [(e.name, int(e)) for e in Exit if e is not Exit.INTERRUPTED] == [
        ("OK", 0), ("DATA", 1), ("USAGE", 2), ("CHECK", 3), ("BUSY", 4)]
    from propcli.cli.common import Exit as ReExported

    assert ReExported is Exit
    assert PropcliError.exit_code is Exit.DATA and DataError.exit_code is Exit.DATA
    assert WorkbookBusy.exit_code is Exit.BUSY


@pytest.mark.parametrize("cls", [ValueProblem, RateError, PolicyError, ReadingError, TariffError, AllocationError,
                                 LateFeeError])
def test_rule_errors_share_one_base(cls: type) -> None:
    assert issubclass(cls, RuleError) and issubclass(cls, ValueError)


def test_located_adds_the_place_and_quotes_the_value() -> None:
    with pytest.raises(ValueProblem) as info:
        to_decimal("12元5")
    err = located(info.value, Location("estate.xlsx", "业主档案", 7, "建筑面积"), value="12元5")
    assert isinstance(err, DataError) and err.location is not None and err.location.row == 7
    assert err.message("en") == "estate.xlsx › 业主档案 › row 7, 建筑面积: '12元5' is not a number — enter digits only, e.g. 89.5"


def test_located_keeps_the_rules_own_params() -> None:
    with pytest.raises(ReadingError) as info:
        parse_mark("换了")
    err = located(info.value, unit="1-1-101")
    assert err.params == {"value": "换了", "unit": "1-1-101"}  # a mark's text stays as written, unquoted
    with pytest.raises(LateFeeError) as fee:
        parse_late_fee("每天一点")
    assert located(fee.value, value="每天一点").params == {"value": "'每天一点'"}
