"""`propcli check [NAMES] [--fix]`: silent and exit 0 when clean; each problem on a line and exit 3."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import checking
from ..render import formats
from ..store.workbook import Workbook
from .common import DryRunOpt, Exit, ForceOpt, OutputOpt, find_workbook, report_commit, say, state, write_output


def check(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="checks to run: " + ", ".join(checking.NAMES))] = None,
    fix: Annotated[bool, typer.Option("--fix", help="repair what is safe (full-width, stray spaces in identifiers)")] = False,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="text | json")] = None,
    output: OutputOpt = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    path = find_workbook(st)
    with Workbook(path, write=fix, force=force) as wb:
        problems = checking.run_checks(wb, names)
        if fix and any(p.fixable for p in problems):
            fixed = checking.fix(wb, problems)
            result = wb.commit("check --fix", dry_run=dry_run)
            report_commit(st, wb, result)
            if not result.written:  # the dry run has shown what --fix would change
                raise typer.Exit(Exit.CHECK)
            say(st, st.t("out.fixed", count=len(fixed)))
            problems = checking.run_checks(wb, names)
    if not problems:
        return
    kind = formats.format_for(output, fmt, default="text")
    if kind == "json":
        data = formats.to_json([p.as_dict(st.lang) for p in problems])
    else:
        data = "".join(p.format(st.lang) + "\n" for p in problems)
    write_output(st, data, output)
    say(st, st.t("out.problems", count=len(problems)))
    raise typer.Exit(Exit.CHECK)

