"""gunicorn's settings for `make run` and bench/run.py (`gunicorn -c python:config.gunicorn_conf`).

- Limits: the longest request line and header gunicorn takes (8190 bytes each, its maximum;
  the default 4094 refused long lookups before the app could answer), at most 100 headers.
  The app's own limits (config/input_guard.py) are tighter for what it reads: a query value
  or body string of at most API_MAX_STRING_CHARS characters, a body of API_MAX_BODY_BYTES.
- What gunicorn itself answers (a request line or headers over those limits: 414 / 431, a
  NUL or another forbidden character in a header: 400, a malformed request) is the API's
  envelope, `{"errors":[{"status":false,"code":N,"message":"…"}],"warnings":[]}` with the
  HTTP status as N, instead of gunicorn's HTML page.
- A worker that exits closes its database connections, so a server being shut down ("smart"
  mode waits for every session to end) is not kept waiting by idle persistent connections.
"""

from __future__ import annotations

import json

from gunicorn import util

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
timeout = 60
graceful_timeout = 20


def write_envelope_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error` answering the API's envelope."""
    from config.errors import status_item
    from config.log_filters import mask_pii

    message = mask_pii(f"{reason}: {mesg}" if mesg else reason)[:300]
    body = json.dumps(
        {"errors": [status_item(status_int, message)], "warnings": []}, ensure_ascii=True
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def on_starting(server) -> None:
    util.write_error = write_envelope_error  # the workers fork from this process


def post_fork(server, worker) -> None:
    util.write_error = write_envelope_error


def worker_exit(server, worker) -> None:
    import sys

    if "config.wsgi" in sys.modules:  # the app was loaded, so Django is set up
        from django.db import connections

        connections.close_all()
