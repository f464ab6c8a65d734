"""`limit` / `offset` pagination answering `pagination{limit,offset,total}`, `data`, `warnings`, `errors`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework.response import Response

from config.codes import Code
from config.errors import DomainError

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_OFFSET = 2**63 - 1  # PostgreSQL's OFFSET is a bigint; beyond it the query fails (500)


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    @property
    def stop(self) -> int:
        return self.offset + self.limit


def _integer(raw: str | None, default: int, code: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise DomainError(code) from None


def page_from_params(params, *, default_limit: int = DEFAULT_LIMIT) -> Page:
    """Read and bound `limit` and `offset` from query parameters (8100/8101/8102)."""
    limit = _integer(params.get("limit"), default_limit, 8101)
    offset = _integer(params.get("offset"), 0, 8100)
    if limit > MAX_LIMIT:
        raise DomainError(Code.LIMIT_TOO_LARGE)
    if limit < 1:
        raise DomainError(Code.LIMIT_NOT_POSITIVE)
    if offset < 0:
        raise DomainError(Code.OFFSET_NEGATIVE)
    if offset > MAX_OFFSET:
        raise DomainError(Code.OFFSET_NEGATIVE, f"Offset cannot be greater than {MAX_OFFSET}")
    return Page(limit=limit, offset=offset)


def paginated_body(
    data: Sequence[Any], *, page: Page, total: int, warnings: Sequence[dict] = ()
) -> dict[str, Any]:
    return {
        "pagination": {"limit": page.limit, "offset": page.offset, "total": total},
        "data": list(data),
        "warnings": list(warnings),
        "errors": [],
    }


def paginated_response(
    data: Sequence[Any], *, page: Page, total: int, warnings: Sequence[dict] = ()
) -> Response:
    return Response(paginated_body(data, page=page, total=total, warnings=warnings))
