"""`propcli publish` against a real PostgreSQL (tests/pgserver.py): the sample estate in, reconciled to the
cent against figures worked out from the workbook by hand-written sums, idempotent, the workbook untouched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from propcli.store import schema
from propcli.store.workbook import Workbook, content_sha256


def _sql(pg, query: str, *params: object) -> list[tuple]:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg.db_url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def upgraded(pg, cli):  # type: ignore[no-untyped-def]
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    return pg


def test_publish_sample_reconciles_with_the_workbook(upgraded, cli, sample: Path) -> None:
    before = content_sha256(sample)
    result = cli("-w", str(sample), "publish")
    assert result.exit_code == 0, result.output
    assert content_sha256(sample) == before  # read only
    # what the workbook holds, summed here by plain iteration over the store's rows (not publish's tally)
    with Workbook(sample) as wb:
        bills = wb.read(schema.BILLS).rows
        payments = wb.read(schema.PAYMENTS).rows
        owners = wb.read(schema.OWNERS).rows
        name = wb.settings()["name"]
    billed = sum((r.values["amount"] for r in bills if r.values.get("amount") is not None), Decimal(0))
    received = sum((r.values["amount"] for r in payments if r.values.get("amount") is not None), Decimal(0))
    got = _sql(upgraded, "select count(*), sum(amount), sum(paid) from propcli.bills where estate = %s", name)[0]
    assert got[0] == len(bills) and got[1] == billed
    assert _sql(upgraded, "select count(*), sum(amount) from propcli.payments where estate = %s", name)[0] == (
        len(payments), received)
    assert _sql(upgraded, "select count(*) from propcli.owners where estate = %s", name)[0][0] == len(owners)
    # identifiers stay text, dates are dates, money numeric(14,2)
    bill = bills[0].values
    row = _sql(upgraded, "select unit_id, period, due_date, amount from propcli.bills where estate = %s and bill_id = %s",
               name, bill["bill_id"])[0]
    assert row == (bill["unit_id"], bill["period"], bill["due_date"], bill["amount"])
    assert isinstance(row[2], dt.date)
    types = dict(_sql(upgraded, "select column_name, data_type || coalesce('(' || numeric_precision || ',' || "
                      "numeric_scale || ')', '') from information_schema.columns where table_schema = 'propcli' "
                      "and table_name = 'owners'"))
    assert types["unit_id"] == "text" and types["phone"] == "text" and types["id_no"] == "text"
    assert types["move_in_date"] == "date"
    assert _sql(upgraded, "select data_type, numeric_precision, numeric_scale from information_schema.columns "
                "where table_schema = 'propcli' and table_name = 'bills' and column_name = 'amount'")[0] == (
        "numeric", 14, 2)
    # the estate's row says what was published
    published = _sql(upgraded, "select workbook, (rows -> 'bills' ->> 'rows')::int, rows -> 'bills' -> 'money' ->> 'amount' "
                     "from propcli.estates where estate = %s", name)[0]
    assert published == ("estate.xlsx", len(bills), f"{billed:.2f}")


def test_publish_twice_replaces_and_keeps_one_copy(upgraded, cli, sample: Path) -> None:
    assert cli("-w", str(sample), "publish").exit_code == 0
    first = _sql(upgraded, "select count(*), sum(amount) from propcli.bills")
    assert cli("-w", str(sample), "publish").exit_code == 0
    assert _sql(upgraded, "select count(*), sum(amount) from propcli.bills") == first
    assert _sql(upgraded, "select count(*) from propcli.estates") == [(1,)]
