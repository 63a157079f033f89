"""`propcli check [NAMES] [--fix]`: silent and exit 0 when clean; each problem on a line and exit 3."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import checking
from ..reports import ledger as reports
from ..store.workbook import Workbook
from .common import DryRunOpt, Exit, ForceOpt, FormatOpt, OutputOpt, UnmaskOpt, choose_format, emit, find_workbook, report_commit, say, state


def check(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="checks to run: " + ", ".join(checking.NAMES))] = None,
    fix: Annotated[bool, typer.Option("--fix", help="repair what is safe (full-width, stray spaces in identifiers)")] = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    fmt = "table" if fmt == "text" else fmt
    choose_format(output, fmt, st=st)
    path = find_workbook(st)
    with Workbook(path, write=fix and not dry_run, force=force) as wb:  # a dry run only reads
        problems = checking.run_checks(wb, names)
        if fix and any(p.fixable for p in problems):
            fixed = checking.fix(wb, problems)
            result = wb.commit("check --fix", dry_run=dry_run)
            report_commit(st, wb, result, unmask=unmask)
            if not result.written:  # the dry run has shown what --fix would change
                raise typer.Exit(Exit.CHECK)
            say(st, st.t("out.fixed", count=len(fixed)))
            problems = checking.run_checks(wb, names)
    if not problems:
        return
    emit(st, reports.problems(problems, st.lang, unmask=unmask, names=names or None), fmt=fmt, output=output)
    say(st, st.t("out.problems", count=len(problems)))
    raise typer.Exit(Exit.CHECK)
