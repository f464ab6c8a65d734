"""What a caller sees of a customer's identifiers and channel values: one rule for every
exit (API bodies, console pages, the audit trail, notifications, error messages, logs).

The rule (`mask`): enough to confirm with the customer, not enough to reuse. An e-mail
shows its first letter and its domain (`a•••@example.com`); any other value its last four
characters (`••••••••3210`), or fewer when it is short. Who sees values in full
(`can_view_pii`): tills (the store systems that hold them anyway) and staff holding
`customers.view_pii`; everyone else, and every log line and notification, sees the mask.
The decision is kept on the request (`request_can_view_pii`), never on a shared object.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar
from urllib.parse import unquote

from config.principals import is_till

MASK = "•"
PII_PERMISSION = "customers.view_pii"


def mask(kind: str, value: str) -> str:
    """The masked form of an identifier or channel value (`kind`: `email`, `mobile`,
    `cardNumber`, …; any value with an `@` is masked as an e-mail, whatever its kind)."""
    if not value:
        return ""
    value = str(value)
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}{MASK * 3}@{domain}"
    visible = _visible(value)
    return MASK * (len(value) - visible) + value[len(value) - visible :]


def _visible(value: str) -> int:
    return 4 if len(value) > 6 else max(len(value) - 3, 0)


def can_view_pii(principal: Any) -> bool:
    if principal is None or not getattr(principal, "is_authenticated", False):
        return False
    if is_till(principal):
        return True
    return bool(principal.has_perm(PII_PERMISSION))


def request_can_view_pii(request) -> bool:
    """`can_view_pii` of the request's user, decided once per request and kept on it."""
    cached = getattr(request, "_can_view_pii", None)
    if cached is None:
        cached = can_view_pii(getattr(request, "user", None))
        request._can_view_pii = cached
    return cached


def shown(kind: str, value: str, *, can_view_pii: bool) -> str:
    return value if can_view_pii else mask(kind, value)


_Text = TypeVar("_Text", str, str | None)


def shown_text(text: _Text, *, can_view_pii: bool) -> _Text:
    """Free text (a refusal's message, a failure reason) as this caller may read it."""
    return text if can_view_pii or not text else mask_text(text)


# --- Pairs (an identifier change: old and new) ----------------------------------------


def _reveal(value: str, prefix: int, suffix: int) -> str:
    hidden = len(value) - prefix - suffix
    return value[:prefix] + MASK * hidden + (value[len(value) - suffix :] if suffix else "")


def _distinguishing_reveal(old: str, new: str, *, prefix: int, suffix: int, suffix_first: bool):
    """The fewest characters (`prefix`, `suffix` at least the given ones) whose shown parts
    tell `old` from `new`, keeping at least a third of the shorter value hidden; None when
    that is impossible."""
    shortest = min(len(old), len(new))
    most_shown = shortest - max(-(-shortest // 3), 1)

    def differ(p: int, s: int) -> bool:
        def part(value: str) -> tuple[str, str]:
            return value[:p], value[len(value) - s :] if s else ""

        return part(old) != part(new)

    grow_suffix = [(prefix, s) for s in range(suffix, most_shown - prefix + 1)]
    grow_prefix = [(p, suffix) for p in range(prefix, most_shown - suffix + 1)]
    for p, s in grow_suffix + grow_prefix if suffix_first else grow_prefix + grow_suffix:
        if differ(p, s):
            return p, s
    return None


def mask_pair(kind: str, old: str, new: str) -> tuple[str, str]:
    """Masks of an old and a new value that a reader can tell apart: where the usual masks
    look the same, a few more characters of the end that differs are shown (never more
    than two thirds of either value)."""
    old, new = str(old or ""), str(new or "")
    old_shown, new_shown = mask(kind, old), mask(kind, new)
    if not old or not new or old == new or old_shown != new_shown:
        return old_shown, new_shown
    if "@" in old and "@" in new:
        (old_local, _, domain), new_local = old.partition("@"), new.partition("@")[0]
        reveal = _distinguishing_reveal(
            old_local, new_local, prefix=1, suffix=0, suffix_first=False
        )
        if reveal is None:
            return old_shown, new_shown
        p, s = reveal

        def masked(local: str) -> str:
            return f"{local[:p]}{MASK * 3}{local[len(local) - s :] if s else ''}@{domain}"

        return masked(old_local), masked(new_local)
    reveal = _distinguishing_reveal(old, new, prefix=0, suffix=_visible(old), suffix_first=True)
    if reveal is None:
        return old_shown, new_shown
    return _reveal(old, *reveal), _reveal(new, *reveal)


def shown_pair(kind: str, old: str, new: str, *, can_view_pii: bool) -> tuple[str, str]:
    return (str(old or ""), str(new or "")) if can_view_pii else mask_pair(kind, old, new)


# --- Free text (logs, notifications, error messages) ----------------------------------

# A mobile in any formatting: 8-15 digits in a row (optionally after "+"), or 10-15 digits
# in groups split by spaces, dashes or parentheses ("+91-64572-19425", "(+91) 90123 45601",
# "064572 19425"). Dates ("2026-11-22") and short numbers stay readable.
_MOBILE = re.compile(
    r"(?<![\w.+\-@])(?!\d{4}-\d\d-\d\d)"
    r"(?:\+?\d{8,15}(?![\w@])"
    r"|(?:\+|\(\+?\d{1,4}\)[ ]?)?\d{1,6}(?:(?:[ ]|-|[ ]?\(\d{1,5}\)[ ]?)\d{1,6}){1,5}(?![\w@]))"
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"
)


def _mobile(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 8 <= len(digits) <= 15 or (len(digits) < 10 and not match.group(0).isdigit()):
        return match.group(0)
    return mask("mobile", digits)


def mask_text(text: str) -> str:
    """Free text with every e-mail and mobile in it masked, after URL-decoding (`%40`,
    `%2B`: what browsers and HTTP libraries send in query strings)."""
    if not text:
        return text
    if "%" in text:
        text = unquote(text)
    text = _EMAIL.sub(lambda m: mask("email", m.group(0)), text)
    return _MOBILE.sub(_mobile, text)
