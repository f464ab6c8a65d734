"""Locust users of the benchmark: one scenario per Locust run, chosen by `BENCH_SCENARIO`.

Started by `bench/run.py` (headless, bounded in time). Every response is recorded with its
request name, completion time and duration (float milliseconds, not Locust's rounded
percentiles) and written as JSON to `BENCH_SAMPLES` when Locust quits; a response with a
status other than 200 (or a decision with errors) counts as a failure.

Environment: BENCH_SCENARIO, BENCH_CUSTOMERS, BENCH_SAMPLES, BENCH_CHECKER_KEY (bearer key
of the staff checker), BENCH_SESSIONS (session keys of the logged-in admin), BENCH_POOL_FILE (`customer:SOURCE` pairs to register in a second source, one per line).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from locust import FastHttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TILL_SECRET
from scenarios import SCENARIOS, Call, Context, goodwill_approve

SCENARIO = os.environ.get("BENCH_SCENARIO", "floor")
SAMPLES_PATH = os.environ.get("BENCH_SAMPLES", "")
CHECKER_KEY = os.environ.get("BENCH_CHECKER_KEY", "")
_pool_file = os.environ.get("BENCH_POOL_FILE", "")
CONTEXT = Context(
    customers=int(os.environ.get("BENCH_CUSTOMERS", "10000")),
    other_source_pool=[
        (int(line.split(":")[0]), line.split(":")[1])
        for line in (Path(_pool_file).read_text().split() if _pool_file else [])
    ],
)

_samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
_failures: dict[str, int] = defaultdict(int)
_errors: dict[str, str] = {}
# Session keys of the logged-in admin, one per client.
SESSIONS = [key for key in os.environ.get("BENCH_SESSIONS", "").split(",") if key]


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    if exception is None:
        _samples[name].append((time.time(), response_time))
    else:
        _failures[name] += 1
        _errors.setdefault(name, str(exception)[:300])


@events.quitting.add_listener
def _write(environment, **kwargs):
    if SAMPLES_PATH:
        Path(SAMPLES_PATH).write_text(
            json.dumps({"samples": _samples, "failures": _failures, "errors": _errors})
        )


def _basic(code: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{code}:{secret}".encode()).decode()


class BenchUser(FastHttpUser):
    """A simulated client: a till calling the API (or a logged-in admin)."""

    def on_start(self) -> None:
        # One till for every client: the Basic secret's slow hash is verified once per
        # worker process and till, which the runner's warm-up pays (50 tills x 4 workers
        # would cost 200 PBKDF2 verifications inside the measured runs).
        till = "bench.till001"
        self.auth = {
            "till": {"Authorization": _basic(till, TILL_SECRET)},
            "checker": {"Authorization": f"Bearer {CHECKER_KEY}"},
            "session": {},
        }
        if SESSIONS:  # logged in by the runner (a login's slow hash is not what we measure)
            self.auth["session"] = {"Cookie": f"sessionid={SESSIONS.pop()}"}

    def _send(self, call: Call):
        with self.client.request(
            call.method,
            call.path,
            json=call.body,
            headers=self.auth[call.auth],
            name=call.name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            if call.name == "approve goodwill" and response.json()["data"][0]["errors"]:
                response.failure(response.text[:200])
                return None
            return response

    @task
    def act(self) -> None:
        response = self._send(SCENARIOS[SCENARIO](CONTEXT))
        if SCENARIO == "goodwill" and response is not None:
            self._send(goodwill_approve(response.json()["createdId"]))
