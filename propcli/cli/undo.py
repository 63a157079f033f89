"""`propcli undo`: put back the workbook as it was before propcli's last change."""

from __future__ import annotations

import typer

from ..store import workbook as store
from .common import DryRunOpt, ForceOpt, find_workbook, say, state


def undo(ctx: typer.Context, dry_run: DryRunOpt = False, force: ForceOpt = False) -> None:
    st = state(ctx)
    entry = store.undo(find_workbook(st), force=force, dry_run=dry_run)
    key = "out.would_undo" if dry_run else "out.undone"
    say(st, st.t(key, command=entry["command"], time=entry["time"]))
