"""Named codes: raise sites use config.codes.Code members, never bare numbers, and each
member is a registry entry (one message table)."""

import ast
import json
from pathlib import Path

from config.codes import CODES, STAFF_MESSAGES, STAFF_MESSAGES_ON, Code, staff_message
from config.errors import DomainError, Warnings, status_item

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "customers", "loyalty", "subscriptions"]
# The calls that take a code first (or as `code=`): errors, warnings, answer envelopes.
CODE_CALLS = {"DomainError", "add", "status_item", "_error", "Refusal", "envelope", "_envelope"}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literals(node: ast.AST):
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value in CODES:
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def bare_code_sites(paths) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:  # missing_code=…, unknown_account_code=…
                if keyword.arg and keyword.arg.endswith("_code"):
                    found += [f"{path}:{n.lineno} {n.value}" for n in _literals(keyword.value)]
            name = _name(node.func)
            is_registry_get = name == "get" and _name(getattr(node.func, "value", None)) == "codes"
            if name not in CODE_CALLS and not is_registry_get:
                continue
            for arg in node.args[:1] + [k.value for k in node.keywords if k.arg == "code"]:
                for literal in _literals(arg):
                    found.append(f"{path}:{literal.lineno} {literal.value}")
    return found


def test_every_named_code_is_a_registry_entry_with_its_wording():
    assert len({member.value for member in Code}) == len(Code)  # no aliases
    for member in Code:
        assert member.value in CODES, member
        assert CODES[member.value].message


def test_no_raise_site_passes_a_bare_number():
    paths = [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path.name != "codes.py"
    ]
    assert len(paths) > 50
    assert bare_code_sites(paths) == []


def test_the_scan_finds_a_bare_number(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("def f(w):\n    w.add(8069)\n    raise DomainError(8015 if w else 8065)\n")
    sites = bare_code_sites([source])
    assert [site.rsplit(" ", 1)[1] for site in sites] == ["8069", "8015", "8065"]


def test_a_named_code_answers_as_its_number():
    error = DomainError(Code.CUSTOMER_NOT_FOUND)
    assert type(error.code) is int and error.code == 8015
    warnings = Warnings()
    warnings.add(Code.MERGED_CUSTOMER)
    item = status_item(Code.MERGED_CUSTOMER)
    assert json.dumps(item) == json.dumps(
        {"status": False, "code": 8069, "message": item["message"]}
    )
    assert type(warnings[0]["code"]) is int


def test_staff_wording_is_kept_beside_the_registry_entries():
    screens = [STAFF_MESSAGES, *STAFF_MESSAGES_ON.values()]
    assert all(code in CODES for table in screens for code in table)
    assert staff_message(Code.POINTS_CUSTOMER_NOT_FOUND, "customer edit") == (
        "This customer no longer exists."
    )
    assert staff_message(Code.POINTS_CUSTOMER_NOT_FOUND, "unknown screen") == (
        "No customer has this user id."
    )
    assert staff_message(Code.CUSTOMER_NOT_FOUND) is None  # the console says it as the API
