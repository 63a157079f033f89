"""Shared fixtures. The environment is pinned so outputs are reproducible: terminal width, no colour,
language, operator, time zone."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "estate.xlsx"
REALDATA = ROOT.parent / "shared" / "realdata"
GOLDEN = Path(__file__).resolve().parent / "golden"

PINNED_ENV = {
    "COLUMNS": "120",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PROPCLI_LANG": "zh",
    "PROPCLI_OPERATOR": "测试员",
    "PROPCLI_LOCK_TIMEOUT": "20",
    "TZ": "Asia/Shanghai",
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


def _pin(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PINNED_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PROPCLI_WORKBOOK", raising=False)
    monkeypatch.delenv("PROPCLI_TEMPLATES", raising=False)
    for name in ("PROPCLI_DB", "PGPASSWORD", "PGPASSFILE", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)  # no test reaches a database unless it asks for `pg`


@pytest.fixture(autouse=True)
def pinned_env(monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(monkeypatch)


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """The pinned environment for a session-scoped fixture, which is set up before (and so without) the
    function-scoped `pinned_env`: a master workbook journals the same operator, language and time zone."""
    with pytest.MonkeyPatch.context() as mp:
        _pin(mp)
        yield


def fresh_copy(master: Path, dest: Path) -> Path:
    """A test's own copy of a session-built master workbook: the xlsx only, so the master's `.propcli/`
    (cache, backups, lock, history) stays behind and the test starts cold and clean."""
    shutil.copy2(master, dest)
    return dest


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the shipped sample estate."""
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(SAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def _owners_only_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_data.generate import generate

    return generate(tmp_path_factory.mktemp("owners-only") / "estate.xlsx")


@pytest.fixture
def owners_only(_owners_only_master: Path, tmp_path: Path) -> Path:
    """The sample's owners, transfers and rates without its two years of bills: for tests that load and
    save the whole workbook with openpyxl, which takes seconds on the full sample."""
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(_owners_only_master, dest)
    return dest


@pytest.fixture(scope="session")
def estate_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's S estate (bench/estates.py: 500 units, 12 months), generated once per session."""
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.estates import build

    return build("S", tmp_path_factory.mktemp("bench") / "estate-S.xlsx", log=lambda *_: None)


@pytest.fixture(scope="session")
def sample_readonly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped sample per session for tests that only read it: propcli's `.propcli/`
    cache then lands beside the copy, never in sample_data/. A test that writes takes `sample`."""
    return fresh_copy(SAMPLE, tmp_path_factory.mktemp("sample-ro") / "estate.xlsx")


@pytest.fixture(scope="session")
def _rich_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fixtures.rich_workbook import build_rich_workbook

    dest = tmp_path_factory.mktemp("rich") / "rich.xlsx"
    build_rich_workbook(dest)
    return dest


@pytest.fixture
def rich(_rich_master: Path, tmp_path: Path) -> Path:
    """A clerk-built workbook with styles, merges, formulas with cached values, data bars, a chart,
    a comment, sparklines and an Excel table (built once per session; each test gets its own copy)."""
    return fresh_copy(_rich_master, tmp_path / "rich.xlsx")


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.exists():
        pytest.skip("../shared/realdata is not beside the repository")
    return REALDATA


class Cli:
    """Runs propcli in-process, like a clerk at the shell."""

    def __init__(self) -> None:
        from typer.testing import CliRunner

        from propcli.cli.app import app

        self.app = app
        self.runner = CliRunner()

    def __call__(self, *args: str | os.PathLike, input: str | None = None):  # type: ignore[no-untyped-def]
        return self.runner.invoke(self.app, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """golden(name, text): compare with tests/golden/NAME; `pytest --update-golden` rewrites it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review it"
        assert text == path.read_text(encoding="utf-8")

    return check


# -- the group database: a throwaway PostgreSQL server per test session (per xdist worker) --------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A PostgreSQL server on 127.0.0.1 in a temporary folder (tests/pgserver.py). Missing PostgreSQL is a
    skip on a developer's machine and a failure in CI (CI=true): CI must run these tests."""
    from tests import pgserver

    try:
        server = pgserver.start()
    except FileNotFoundError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI: {exc}")
        pytest.skip(str(exc))
    yield server
    server.stop()


_DATABASES = iter(range(1, 10**6))


@pytest.fixture
def pg(pg_server, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A fresh empty database on the session's server: PROPCLI_DB points at it (no password in the URL:
    PGPASSFILE holds it, as ~/.pgpass would). The value is the server; `pg.db_url` the database's URL."""
    name = f"t{os.getpid()}_{next(_DATABASES)}"
    url = pg_server.create_database(name)
    for key, value in pg_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PROPCLI_DB", url)
    pg_server.db_url = url
    pg_server.db_name = name
    return pg_server
