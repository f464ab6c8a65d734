"""Calls made at the same moment on their own database connections (threads), for the
race tests (a `transaction=True` test: each thread's connection sees committed rows)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(calls: list[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run `calls` together, released by one barrier; each one's result, or the exception it
    raised (the test asserts what came out)."""
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
