"""bench/customers.py runs end to end on a small population (its own database)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "loyalty_bench_customers_test"


def own_database_url(url: str) -> str:
    """The server of DATABASE_URL with a database of the bench's own (created if missing),
    so the bench never loads into the database a developer or another run uses."""
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def test_bench_runs_with_2000_customers():
    env = {**os.environ, "DATABASE_NAME": DATABASE}
    env.pop("TEST_DB_SUFFIX", None)
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = own_database_url(env["DATABASE_URL"])
    result = subprocess.run(
        [sys.executable, "bench/customers.py", "--customers", "2000", "--samples", "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2,000 customers" in result.stdout
    for label in ("lookup", "search name prefix", "search mobile prefix", "details"):
        assert label in result.stdout
