"""`propcli db upgrade|status|grant`: the group database's schema and who may see what.

The database is PROPCLI_DB or `[db]` in propcli.toml beside the workbook (`propcli.db.config`); the password
comes from ~/.pgpass or PGPASSWORD, never from an argument."""

from __future__ import annotations

from typing import Annotated

import typer

from ..db import config, grant as access, session, tables
from ..errors import UsageError
from .common import State, say, state

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


def target_of(st: State) -> config.Target:
    """The configured database, looked for beside --workbook/PROPCLI_WORKBOOK (or here)."""
    import os
    from pathlib import Path

    workbook = st.workbook or (Path(os.environ["PROPCLI_WORKBOOK"]) if os.environ.get("PROPCLI_WORKBOOK") else None)
    return config.require(workbook)


@app.command("upgrade", help="建立或升级集团数据库的表 (apply the missing migrations; --sql prints them for a DBA).")
def upgrade(
    ctx: typer.Context,
    sql: Annotated[bool, typer.Option("--sql", help="print the SQL script (all migrations) without connecting")] = False,
    since: Annotated[int, typer.Option("--from", min=0, help="with --sql: the version the database is at")] = 0,
) -> None:
    st = state(ctx)
    if sql:
        typer.echo(tables.script(since), nl=False)
        return
    target = target_of(st)
    with session.connected(target, current=False) as conn:
        before, after = session.upgrade(conn, target)
    if before == after:
        say(st, st.t("db.current", db=target.shown, version=after))
    else:
        say(st, st.t("db.upgraded", db=target.shown, before=before, after=after))


@app.command("status", help="集团数据库的版本和已发布的小区 (schema version, estates published).")
def status(ctx: typer.Context) -> None:
    st = state(ctx)
    target = target_of(st)
    with session.connected(target, current=False) as conn:
        found = session.status(conn)
        estates = access.published(conn) if found.version else []
    typer.echo(st.t("db.status", db=target.shown, source=target.source, version=found.version, latest=tables.LATEST))
    for version, description, when in found.applied:
        typer.echo(f"  {version}  {when}  {description}")
    for estate, workbook, when, bills in estates:
        typer.echo(st.t("db.status_estate", estate=estate, workbook=workbook, when=when, bills=f"{bills:,}"))
    if found.version < tables.LATEST:
        say(st, st.t("db.old_schema.hint"))
        raise typer.Exit(1)


@app.command("grant", help="授权：出纳/内勤角色只能读写本小区，总部角色只读全部 (row-level security).")
def grant(
    ctx: typer.Context,
    clerk: Annotated[str | None, typer.Option("--clerk", help="a clerk's database role: reads and publishes --estate only")] = None,
    estate: Annotated[str | None, typer.Option("--estate", help="the estate the clerk's role may publish")] = None,
    head_office: Annotated[str | None, typer.Option("--head-office", help="a head-office role: reads every estate, writes none")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="take the access away instead")] = False,
) -> None:
    st = state(ctx)
    if (clerk is None) == (head_office is None):
        raise UsageError("db.grant_who")
    if clerk is not None and not estate:
        raise UsageError("db.grant_estate")
    if head_office is not None and estate:
        raise UsageError("db.grant_office_estate")
    target = target_of(st)
    role = clerk or head_office or ""
    with session.connected(target) as conn:
        changed = access.grant(conn, target, role, estate if clerk else None, revoke=revoke)
    said = {(False, False): "db.granted", (False, True): "db.granted_office", (True, False): "db.revoked",
            (True, True): "db.revoked_office"}[(revoke, head_office is not None)]
    say(st, st.t(said if changed else "db.grant_unchanged", role=role, estate=estate or ""))
