"""A throwaway PostgreSQL server for the tests and the bench: initdb in a temporary folder, started on
127.0.0.1 at a free port with password (scram) authentication, stopped and removed at the end.

PostgreSQL refuses to run as root, and CI and the development machines run as root: the server then runs
as the unprivileged `postgres` user (or `nobody`), its folder handed to that user. The password of the
superuser is written to a `.pgpass` file the tests point PGPASSFILE at: libpq's usual place, so the code
under test never sees a password in a URL or an argument.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
_PASSWORD = "propcli-test-superuser"


def find_bin() -> Path | None:
    """The folder of initdb/pg_ctl/postgres: PG_BIN, the newest /usr/lib/postgresql/*/bin, or PATH."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(os.path.realpath(found)).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _runner() -> tuple[int | None, int | None, str]:
    """(uid, gid, home) to run the server as: ourselves unless we are root."""
    if os.geteuid() != 0:
        return None, None, os.environ.get("HOME", "/tmp")
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid, "/tmp"
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


@dataclass
class PgServer:
    """One running server. `url(dbname)` is a password-less URL; the password is in `passfile`."""

    bindir: Path
    fast: bool = True  # fsync off: a test server need not survive a power cut (the bench turns it on)
    keep: Path | None = None  # a folder kept between runs (the bench's filled database): reused, never removed
    root: Path = field(init=False)
    port: int = field(init=False, default=0)
    passfile: Path = field(init=False)
    _uid: int | None = field(init=False, default=None)
    _gid: int | None = field(init=False, default=None)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "HOME": self._home,
               "TZ": "Asia/Shanghai"}
        return subprocess.run(args, env=env, user=self._uid, group=self._gid, cwd=self.root,
                              capture_output=True, text=True, check=False)

    def start(self) -> PgServer:
        self._uid, self._gid, self._home = _runner()
        # as root, under /tmp: the unprivileged user must be able to reach its folder (TMPDIR may be private)
        if self.keep is not None:
            self.root = self.keep.resolve()
            self.root.mkdir(parents=True, exist_ok=True)
        else:
            self.root = Path(tempfile.mkdtemp(prefix="propcli-pg-", dir="/tmp" if self._uid is not None else None))
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir(exist_ok=True)
        pwfile = self.root / "pw"
        pwfile.write_text(_PASSWORD + "\n")
        if self._uid is not None:
            for p in (self.root, sock, pwfile):
                os.chown(p, self._uid, self._gid or -1)
        done = None if (data / "PG_VERSION").exists() else self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if done is not None and done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        for attempt in range(3):  # a free port can be taken between the probe and the start
            self.port = _free_port()
            opts = (f"-p {self.port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=60 "
                    f"-c shared_buffers=128MB -c max_wal_size=2GB")
            if self.fast:
                opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            done = self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                             str(self.root / "server.log"), "-w", "-t", "60", "start")
            if done.returncode == 0:
                break
        else:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
        self.passfile = self.root / "pgpass"
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:{SUPERUSER}:{_PASSWORD}\n")
        self.passfile.chmod(0o600)
        return self

    def add_password(self, role: str, password: str) -> None:
        """Another login role's password in the same .pgpass (the role tests log in as clerks)."""
        with self.passfile.open("a") as f:
            f.write(f"127.0.0.1:{self.port}:*:{role}:{password}\n")

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def env(self) -> dict[str, str]:
        """What a client needs besides the URL: the password file (and no stray PGPASSWORD)."""
        return {"PGPASSFILE": str(self.passfile), "PGCONNECT_TIMEOUT": "10"}

    def stop(self) -> None:
        if self.port:
            mode = "fast" if self.keep is not None else "immediate"
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", mode, "-w", "stop")
        if self.keep is None:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, passfile=str(self.passfile)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url(name)


def start(*, fast: bool = True, keep: Path | None = None) -> PgServer:
    """A running server, or RuntimeError saying what is missing; `keep`: in that folder, kept (reused if
    it already holds one)."""
    bindir = find_bin()
    if bindir is None or not (bindir / "initdb").exists():
        raise FileNotFoundError("PostgreSQL (initdb, pg_ctl) not found: apt-get install postgresql, or set PG_BIN")
    server = PgServer(bindir, fast=fast, keep=keep)
    t0 = time.monotonic()
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    server.started_in = time.monotonic() - t0  # type: ignore[attr-defined]
    return server
