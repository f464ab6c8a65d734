"""Who is calling, as a short label: `till:<id>`, `user:<id>`, or None for nobody.

`config` imports no app, so callers are told apart by their model's name, not their class.
"""

from __future__ import annotations

from typing import Any


def principal_label(principal: Any) -> str | None:
    if principal is None or not getattr(principal, "is_authenticated", False):
        return None
    meta = getattr(principal, "_meta", None)
    if meta is None or principal.pk is None:
        return None
    return f"{meta.model_name}:{principal.pk}"


def is_till(principal: Any) -> bool:
    meta = getattr(principal, "_meta", None)
    return meta is not None and meta.model_name == "till"
