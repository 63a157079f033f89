"""Where the group database is: PROPCLI_DB (a postgresql:// URL) or the `[db]` section of a `propcli.toml`
beside the workbook; without either propcli works on the workbook alone and the db commands say how to
configure one.

The password never comes from here: libpq finds it in ~/.pgpass (or PGPASSFILE) or PGPASSWORD. A URL or
a propcli.toml holding one is refused — it would sit in a crontab, a shell history or a file the clerk
mails around — and no message ever shows it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

ENV = "PROPCLI_DB"
TOML = "propcli.toml"
# libpq's connection keywords a [db] section may hold besides `url` (never `password`)
KEYWORDS = ("host", "port", "dbname", "user", "sslmode", "sslrootcert", "passfile", "options", "service")


@dataclass(frozen=True)
class Target:
    """A database to connect to: the libpq conninfo (no password in it) and where it was configured."""

    conninfo: str
    source: str  # "PROPCLI_DB" or the path of the propcli.toml

    @property
    def shown(self) -> str:
        """The target for a message, `user@host:port/dbname` (what libpq would default is left out), never
        a password."""
        from psycopg.conninfo import conninfo_to_dict

        try:
            p = conninfo_to_dict(self.conninfo)
        except Exception:
            return "****"
        where = str(p.get("host") or p.get("service") or "")
        where += f":{p['port']}" if p.get("port") else ""
        user = f"{p['user']}@" if p.get("user") else ""
        return f"{user}{where}/{p.get('dbname') or ''}" if where or p.get("dbname") else mask(self.conninfo)


def mask(conninfo: str) -> str:
    """A conninfo or URL as a message may show it: any password replaced by ****."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(conninfo)
    except Exception:  # not even parsable: show nothing of it
        return "****"
    if "password" in params:
        params["password"] = "****"
    return make_conninfo(**params)


def _has_password(conninfo: str) -> bool:
    from psycopg.conninfo import conninfo_to_dict

    return "password" in conninfo_to_dict(conninfo)


def _checked(conninfo: str, source: str) -> Target:
    from psycopg import ProgrammingError

    try:
        has_password = _has_password(conninfo)
    except ProgrammingError:
        raise UsageError("db.bad_url", source=source) from None
    if has_password:
        raise UsageError("db.password_in_url", source=source, url=mask(conninfo))
    return Target(conninfo, source)


def find(workbook: Path | None) -> Target | None:
    """PROPCLI_DB, else `[db]` of propcli.toml beside the workbook (or in the current folder); None if
    neither is there."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return _checked(env, ENV)
    folder = workbook.parent if workbook is not None else Path.cwd()
    path = folder / TOML
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError("db.bad_toml", path=str(path), reason=str(exc)) from None
    section = data.get("db")
    if not isinstance(section, dict):
        return None
    if "password" in section:
        raise UsageError("db.password_in_toml", path=str(path))
    from psycopg.conninfo import make_conninfo

    params = {k: str(v) for k, v in section.items() if k in KEYWORDS}
    unknown = sorted(set(section) - {*KEYWORDS, "url"})
    if unknown:
        raise UsageError("db.toml_key", path=str(path), setting=unknown[0], keys="url, " + ", ".join(KEYWORDS))
    base = str(section.get("url") or "")
    try:
        conninfo = make_conninfo(base, **params)
    except Exception:
        raise UsageError("db.bad_url", source=str(path)) from None
    return _checked(conninfo, str(path))


def require(workbook: Path | None) -> Target:
    """The configured database, or a usage error saying how to configure one."""
    target = find(workbook)
    if target is None:
        folder = workbook.parent if workbook is not None else Path.cwd()
        raise UsageError("db.none", path=str(folder / TOML))
    return target
