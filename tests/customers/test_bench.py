"""bench/customers.py runs end to end on a small population (its own database)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_with_2000_customers():
    env = {**os.environ, "DATABASE_NAME": "loyalty_bench_customers_test"}
    env.pop("TEST_DB_SUFFIX", None)
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
