"""Domain errors and warnings: the only way services report a refusal or a remark.

Both carry a code from the status-code registry (`config.codes`); the API renders them as
`{"status": false, "code": N, "message": "…"}` items, the admin shows their message.
"""

from __future__ import annotations

from typing import Any

from config import codes


def _format(message: str, params: dict[str, Any]) -> str:
    if not params:
        return message
    # The seeds also use positional `{0}`, `{1}`: fill them from params named "0", "1", …
    positional: list[Any] = []
    while str(len(positional)) in params:
        positional.append(params[str(len(positional))])
    try:
        return message.format(*positional, **params)
    except (KeyError, IndexError, ValueError):
        return message


def status_item(code: int, message: str | None = None, **params: Any) -> dict[str, Any]:
    """One error or warning item in the documented shape."""
    text = message if message is not None else _format(codes.get(code).message, params)
    return {"status": False, "code": int(code), "message": text}


class DomainError(Exception):
    """A refusal with a registry code. Services raise only these."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        http_status: int | None = None,
        **params: Any,
    ) -> None:
        registered = codes.get(code)
        self.code = int(code)  # a Code member answers as its number
        self.message = message if message is not None else _format(registered.message, params)
        self.http_status = http_status or (
            registered.http_status if registered.http_status >= 400 else 400
        )
        super().__init__(f"{code}: {self.message}")

    def as_item(self) -> dict[str, Any]:
        return status_item(self.code, self.message)


class DomainErrors(DomainError):
    """Several refusals at once (e.g. every invalid identifier of a registration)."""

    def __init__(self, errors: list[DomainError]) -> None:
        assert errors, "DomainErrors needs at least one error"
        first = errors[0]
        super().__init__(first.code, first.message, http_status=first.http_status)
        self.errors = errors

    def as_items(self) -> list[dict[str, Any]]:
        return [error.as_item() for error in self.errors]


class Warnings(list):
    """Warnings collected by a service and returned beside its result, each (code, message)
    once. Remembered in a set: a list scan per warning made 20,000 warnings (one per unknown
    extended field) take 12 s."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._seen = {(item["code"], item["message"]) for item in self}

    def add(self, code: int, message: str | None = None, **params: Any) -> None:
        item = status_item(code, message, **params)
        key = (code, item["message"])
        if key not in self._seen:
            self._seen.add(key)
            self.append(item)
