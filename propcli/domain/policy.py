"""What the estate's policy sheets share (催缴规则 now, 时限规则 and notice settings next): each row is
parsed by a pure function into a typed rule, and a row that cannot be used raises a PolicyError naming
its column, so the reader can point at the cell."""

from __future__ import annotations

from ..errors import RuleError


class PolicyError(RuleError):
    """A policy row that cannot be used: message key, the column at fault and its value. A check over
    all rules raises it too, with `column` the rule attribute (and column key) holding `value`."""

    def __init__(self, key: str, column: str, value: object, **params: object) -> None:
        super().__init__(key, column=column, value=value, **params)
