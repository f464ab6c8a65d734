"""What gunicorn itself answers (before the app sees a request) is the API's envelope.

A real gunicorn started as `make run` starts it (`-c python:config.gunicorn_conf`), spoken
to over a raw socket so that malformed requests reach it as a client would send them.
"""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from tests.gunicorn import free_port, start_gunicorn


def raw_request(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(data)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def gunicorn_port():
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "ERROR"}
    server = start_gunicorn(port, workers=1, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)


def get(path: str, *headers: str) -> bytes:
    # HTTP/1.0: the answer is not chunked, so its body is the JSON as sent
    lines = [f"GET {path} HTTP/1.0", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def assert_envelope(answer, status: int) -> str:
    code, headers, body = answer
    assert code == status, body
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert document["warnings"] == []
    [error] = document["errors"]
    assert error["status"] is False
    assert error["code"] == status
    return error["message"]


def test_a_request_line_over_gunicorns_limit_answers_414_in_the_envelope(gunicorn_port):
    answer = raw_request(gunicorn_port, get("/v2/customers/lookup?q=" + "9" * 9000))
    assert "Request Line is too large" in assert_envelope(answer, 414)


def test_a_header_over_gunicorns_limit_answers_431_in_the_envelope(gunicorn_port):
    answer = raw_request(gunicorn_port, get("/v2/customers", "X-Big: " + "x" * 9000))
    assert_envelope(answer, 431)


def test_too_many_headers_answer_431_in_the_envelope(gunicorn_port):
    headers = [f"X-H{index}: v" for index in range(120)]
    answer = raw_request(gunicorn_port, get("/v2/customers", *headers))
    assert_envelope(answer, 431)


def test_a_nul_in_a_header_answers_400_in_the_envelope(gunicorn_port):
    answer = raw_request(gunicorn_port, get("/v2/customers", "X-Till: te\x00st"))
    assert_envelope(answer, 400)


def test_a_request_line_gunicorns_default_refused_reaches_the_app(gunicorn_port):
    # 5,000 bytes: over gunicorn's default 4,094, within its 8,190; the app's guard answers
    answer = raw_request(
        gunicorn_port,
        get("/v2/customers/lookup?source=INSTORE&identifierValue=" + "9" * 5000),
    )
    assert "identifierValue: longer than 4096 characters" in assert_envelope(answer, 400)
