"""The status-code registry (config/codes.py): plain checks, no database."""

from collections import Counter

import pytest

from config import codes
from config.codes import CODES, ENTRIES, OTHER_MESSAGES, StatusCode

# Codes the rest of the project relies on.
# fmt: off
KEY_CODES = [
    # customers resource warnings / errors
    8050, 8051, 8069, 91009, 91006, 8006, 8007, 8008, 8015, 8065, 8045, 8013, 8011,
    8056, 8055, 8005, 8004, 8001, 8003, 8018, 8100, 8101, 8102, 91015, 91020,
    # customer codes
    618, 816, 1001, 1002, 1003, 1007, 1016, 1017, 1032, 1033, 1034, 1044, 1046,
    # points, transactions
    803, 804, 601, 604, 611,
    # subscriptions
    1101, 1102, 1103, 1105, 1106, 1107, 1108, 1110,
    # retro
    1627, 1631, 1632, 1633,
    # change / merge request workflow
    9002, 9003, 9005, 9006, 9008, 9012, 9013, 9018, 9022, 9023, 9024, 9026, 9027,
    9028, 9029, 9031,
]
# fmt: on

PROJECT_HTTP_CODES = [400, 401, 403, 404, 405, 406, 409, 415, 422, 429, 500, 503]


def test_literal_list_has_no_duplicate_codes():
    counts = Counter(entry.code for entry in ENTRIES)
    duplicates = sorted(code for code, n in counts.items() if n > 1)
    assert duplicates == []
    assert len(CODES) == len(ENTRIES)


@pytest.mark.parametrize("code", KEY_CODES + PROJECT_HTTP_CODES)
def test_key_code_exists(code):
    entry = codes.get(code)
    assert isinstance(entry, StatusCode)
    assert entry.code == code
    assert entry.message.strip()


def test_http_statuses_are_in_range():
    bad = {c: e.http_status for c, e in CODES.items() if not 200 <= e.http_status <= 599}
    assert bad == {}


def test_kinds_and_their_http_status():
    for entry in CODES.values():
        assert entry.kind in {"error", "warning", "success"}, entry
        if entry.kind != "error":
            assert entry.http_status == 200, entry


def test_get_unknown_code_raises_key_error():
    with pytest.raises(KeyError):
        codes.get(123456)


def test_entries_are_immutable():
    with pytest.raises(AttributeError):
        codes.get(1000).message = "changed"  # type: ignore[misc]


def test_warnings_and_successes():
    for code in (8050, 8051, 8069, 91006, 91009, 1053):
        assert codes.get(code).kind == "warning", code
    for code in (200, 600, 700, 800, 1000, 1040, 1630):
        assert codes.get(code).kind == "success", code


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        (400, 400),
        (401, 401),
        (403, 403),
        (404, 404),
        (405, 405),
        (406, 406),
        (409, 409),
        (415, 415),
        (422, 422),
        (429, 429),
        (500, 500),
        (503, 503),
        (816, 404),
        (8015, 404),
        (8065, 404),
        (9013, 404),
        (618, 403),
        (1032, 400),
        (8050, 200),
    ],
)
def test_http_status_of(code, http_status):
    assert codes.get(code).http_status == http_status


def test_documented_conflict_choices():
    # 1008/1038: 1008 is the one the project emits; 1038 is kept as an alias.
    assert codes.get(1008).message == codes.get(1038).message
    # 1101-1103 carry the subscription meanings, not the transaction ones.
    assert codes.get(1101).message == "Invalid channel type."
    # 8050 uses the wire text of the seeds' sample response.
    assert codes.get(8050).message == "Same Customer found in other sources,Combining"
    # 8066 is the combine error, not the copy of 8067's text.
    assert codes.get(8066).kind == "error"
    assert codes.get(8066).message != codes.get(8067).message


def test_other_messages_belong_to_known_codes():
    for code, messages in OTHER_MESSAGES.items():
        assert code in CODES
        assert codes.get(code).message not in messages
    assert "Customer updated successfully." in OTHER_MESSAGES[1000]


def test_the_opening_balance_refusal_is_a_400_error():
    entry = codes.get(9207)
    assert (entry.kind, entry.http_status) == ("error", 400)
    assert "{x}" in entry.message and "{z}" in entry.message
