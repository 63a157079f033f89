"""Where the group database is configured (no server needed): PROPCLI_DB before propcli.toml, no password
from either, and none ever shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from propcli.db import config, tables
from propcli.errors import UsageError


def test_env_wins_over_the_toml_beside_the_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "propcli.toml").write_text('[db]\nhost = "db.internal"\nport = 6543\ndbname = "group"\nuser = "clerk"\n')
    found = config.find(tmp_path / "estate.xlsx")
    assert found is not None and found.shown == "clerk@db.internal:6543/group"
    assert found.source == str(tmp_path / "propcli.toml")
    monkeypatch.setenv("PROPCLI_DB", "postgresql://office@10.0.0.5/propcli_group")
    found = config.find(tmp_path / "estate.xlsx")
    assert found is not None and found.source == "PROPCLI_DB" and found.shown == "office@10.0.0.5/propcli_group"


def test_nothing_configured_is_none(tmp_path: Path) -> None:
    assert config.find(tmp_path / "estate.xlsx") is None
    (tmp_path / "propcli.toml").write_text("[other]\nx = 1\n")
    assert config.find(tmp_path / "estate.xlsx") is None
    with pytest.raises(UsageError) as err:
        config.require(tmp_path / "estate.xlsx")
    assert err.value.key == "db.none"


@pytest.mark.parametrize("url", ["postgresql://clerk:hunter2@db/group", "host=db user=clerk password=hunter2"])
def test_a_password_is_refused_and_masked(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPCLI_DB", url)
    with pytest.raises(UsageError) as err:
        config.find(None)
    assert err.value.key == "db.password_in_url"
    assert "hunter2" not in err.value.message("zh") and "hunter2" not in err.value.message("en")
    assert "****" in err.value.message("en")
    assert "hunter2" not in config.mask(url)


def test_a_toml_with_an_unknown_key_or_bad_syntax_is_a_usage_error(tmp_path: Path) -> None:
    toml = tmp_path / "propcli.toml"
    toml.write_text('[db]\nurl = "postgresql://clerk@db/group"\nhots = "x"\n')
    with pytest.raises(UsageError) as err:
        config.find(tmp_path / "estate.xlsx")
    assert err.value.key == "db.toml_key" and err.value.params["setting"] == "hots"
    toml.write_text('[db\nurl = ')
    with pytest.raises(UsageError) as err:
        config.find(tmp_path / "estate.xlsx")
    assert err.value.key == "db.bad_toml"


def test_every_register_but_the_journal_and_settings_is_a_table_typed_from_the_schema() -> None:
    from propcli.store import schema

    by_name = tables.by_name()
    assert set(by_name) == {s.key for s in schema.SHEETS} - {"estate", "journal"} | {
        "settings", "bill_facts", "payment_parts", "period_sums", "unit_periods", "open_dues", "part_days"}
    bills = dict(by_name["bills"].columns)
    assert bills["bill_id"].startswith("text") and bills["amount"] == "numeric(14,2)" and bills["due_date"] == "date"
    assert by_name["bills"].primary == ("bill_id",) and by_name["reminders"].primary == ()
    assert dict(by_name["owners"].columns)["phone"].startswith("text")
    assert dict(by_name["work_orders"].columns)["reported_at"] == "timestamp"
    script = tables.script()
    assert script.count("enable row level security") == len(by_name) + 1  # + estates
    assert "insert into propcli.schema_version" in script and tables.script(tables.LATEST).count("create table propcli.") == 0
