"""Who may see what in the group database: a clerk's role reads and publishes its own estates, the head
office's role reads every estate and writes none. The rule itself is row-level security on `estate`
(`tables.security_sql`); this module keeps its table, propcli.access, and lists what was published."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg import errors as pgerrors

from ..errors import DataError
from . import tables
from .config import Target


def grant(conn: psycopg.Connection, target: Target, role: str, estate: str | None, *, revoke: bool = False) -> bool:
    """Give (or take away) `role` access to `estate` (None: head office, every estate read-only); returns
    whether anything changed. The role must exist (CREATE ROLE is the DBA's, with its password)."""
    with conn.transaction():
        if conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone() is None:
            raise DataError("db.no_such_role", role=role, db=target.shown)
        try:
            if revoke:
                done = conn.execute(f"delete from {tables.SCHEMA}.access where role = %s and estate is not distinct "
                                    f"from %s", (role, estate))
            else:
                done = conn.execute(f"insert into {tables.SCHEMA}.access (role, estate) values (%s, %s) "
                                    f"on conflict do nothing", (role, estate))
        except pgerrors.InsufficientPrivilege:
            raise DataError("db.grant_denied", db=target.shown) from None
        changed = done.rowcount > 0
        # the role must be able to log in and reach the schema; the rows it sees are decided by the policies
        if not revoke:
            conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(conn.info.dbname),
                                                                             sql.Identifier(role)))
    return changed


def published(conn: psycopg.Connection) -> list[tuple[str, str, str, int]]:
    """(estate, workbook, when, bills) of every estate this role may see, by name."""
    rows = conn.execute(f"select estate, workbook, to_char(published_at, 'YYYY-MM-DD HH24:MI'), "
                        f"coalesce((rows -> 'bills' ->> 'rows')::bigint, 0) from {tables.SCHEMA}.estates "
                        f"order by estate").fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]
