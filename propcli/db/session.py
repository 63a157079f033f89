"""Connecting to the group database and bringing its schema up to date: every failure of the server, the
network or the password becomes a message that says which database (never its password) and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import errors as pgerrors

from ..errors import DataError
from . import tables
from .config import Target, mask

APPLICATION = "propcli"
UPGRADE_LOCK = "propcli.upgrade"  # one `db upgrade` at a time (an advisory lock on its hash)


def connect(target: Target) -> psycopg.Connection:
    """An open connection (autocommit off), or a DataError naming the database and the cause."""
    try:
        return psycopg.connect(target.conninfo, application_name=APPLICATION,
                               connect_timeout=_timeout())
    except psycopg.OperationalError as exc:
        raise connect_error(target, exc) from None


@contextmanager
def connected(target: Target, *, current: bool = True) -> Iterator[psycopg.Connection]:
    """A connection for one command, closed after it; with `current`, to a database at this propcli's
    schema version (an older one is refused, saying to run `propcli db upgrade`). A server lost half-way
    is said like one never reached."""
    conn = connect(target)
    try:
        if current:
            require_current(conn, target)
        yield conn
    except psycopg.OperationalError as exc:
        raise connect_error(target, exc) from None
    finally:
        conn.close()


@contextmanager
def connected_many(target: Target, n: int) -> Iterator[list[psycopg.Connection]]:
    """`connected` and n − 1 more connections beside it (the group figures share the estates between
    them: one server process each), all closed after the command."""
    with connected(target) as conn:
        more: list[psycopg.Connection] = []
        try:
            more.extend(connect(target) for _ in range(n - 1))
            yield [conn, *more]
        except psycopg.OperationalError as exc:
            raise connect_error(target, exc) from None
        finally:
            for c in more:
                c.close()


def _timeout() -> int:
    from ..store.safety import env_count

    return env_count("PROPCLI_DB_TIMEOUT", 10, 1, 3600)


def connect_error(target: Target, exc: Exception) -> DataError:
    text = mask(str(exc)) if "password=" in str(exc) else str(exc)
    first = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
    low = text.lower()
    if "password authentication failed" in low or "authentication failed" in low:
        return DataError("db.auth", db=target.shown)
    if "no password supplied" in low:
        return DataError("db.no_password", db=target.shown)
    if "does not exist" in low and "database" in low:
        return DataError("db.no_database", db=target.shown)
    if "role" in low and "does not exist" in low:
        return DataError("db.no_role", db=target.shown)
    return DataError("db.unreachable", db=target.shown, reason=first.removeprefix("FATAL:").strip())


@dataclass(frozen=True)
class Status:
    version: int  # 0: no propcli schema yet
    applied: list[tuple[int, str, str]]  # version, description, when

    @property
    def current(self) -> bool:
        return self.version == tables.LATEST


def status(conn: psycopg.Connection) -> Status:
    """The migrations applied to this database (none: the schema is not there yet)."""
    found = conn.execute("select to_regclass(%s)", (f"{tables.SCHEMA}.schema_version",)).fetchone()
    if found is None or found[0] is None:
        return Status(0, [])
    rows = conn.execute(f"select version, description, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') "
                        f"from {tables.SCHEMA}.schema_version order by version").fetchall()
    return Status(max((r[0] for r in rows), default=0), [(r[0], r[1], r[2]) for r in rows])


def require_current(conn: psycopg.Connection, target: Target) -> None:
    """A database whose schema is older (or newer) than this propcli is refused, saying what to run."""
    st = status(conn)
    conn.rollback()
    if st.version < tables.LATEST:
        raise DataError("db.old_schema", db=target.shown, have=st.version, want=tables.LATEST)
    if st.version > tables.LATEST:
        raise DataError("db.new_schema", db=target.shown, have=st.version, want=tables.LATEST)


def upgrade(conn: psycopg.Connection, target: Target) -> tuple[int, int]:
    """Apply the missing migrations in one transaction (a second `db upgrade` at the same time waits for
    the first and then finds nothing to do); returns (version before, version after)."""
    try:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (UPGRADE_LOCK,))
            before = status(conn).version
            if before > tables.LATEST:
                raise DataError("db.new_schema", db=target.shown, have=before, want=tables.LATEST)
            if before < tables.LATEST:
                conn.execute(tables.VERSION_SQL)
                for m in tables.MIGRATIONS:
                    if m.version > before:
                        conn.execute(m.sql())
                        conn.execute(f"insert into {tables.SCHEMA}.schema_version (version, description) "
                                     f"values (%s, %s)", (m.version, m.description))
    except pgerrors.InsufficientPrivilege as exc:
        raise DataError("db.upgrade_denied", db=target.shown, reason=_first_line(exc)) from None
    return before, tables.LATEST


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
