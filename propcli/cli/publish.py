"""`propcli publish [--estate NAME] [--replace]`: the current workbook's registers into the group database,
as one estate's data, in one transaction that reconciles before it commits (`propcli.db.publish`)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..db import config, publish as ops
from ..store.workbook import Workbook
from .common import find_workbook, say, state


def publish(
    ctx: typer.Context,
    estate: Annotated[str | None, typer.Option("--estate", help="the estate's name in the group database (default: 小区信息 › 小区名称)")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="take the name over from the workbook that published it before")] = False,
) -> None:
    st = state(ctx)
    path = find_workbook(st)
    target = config.require(path)
    with Workbook(path) as wb:  # read only: the workbook is never written
        name = ops.estate_name(wb, estate)
        done = ops.publish(wb, target, name, replace=replace)
    if done.replaced:
        say(st, st.t("publish.took_over", estate=name, other=done.replaced))
    bills, payments = done.tallies.get("bills"), done.tallies.get("payments")
    say(st, st.t("publish.done", estate=name, db=target.shown, tables=len(done.tallies),
                 rows=f"{sum(t.rows for t in done.tallies.values()):,}",
                 bills=f"{bills.rows if bills else 0:,}", billed=f"{bills.money.get('amount', 0) if bills else 0:,.2f}",
                 payments=f"{payments.rows if payments else 0:,}",
                 received=f"{payments.money.get('amount', 0) if payments else 0:,.2f}"))
