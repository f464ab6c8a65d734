"""Keep personal data out of the logs: mobiles and e-mails are masked on every log line.

`919012345601` -> `9190******01`, `test.user@example.com` -> `t***@example.com`. Installed on
the console handler, so it sees every record, whichever logger wrote it, including the
text of a logged exception (an IntegrityError quotes the duplicate value).
"""

from __future__ import annotations

import logging
import re

# A run of 8-15 digits (optionally after "+"), or "+<country code> <number>" with spaces or
# dashes. Dates ("2026-11-22") and short numbers stay readable.
_MOBILE = re.compile(r"(?<![\w.])(?:\+\d{1,4}[ -]\d(?:[ -]?\d){5,13}|\+?\d{8,15})(?![\w.])")
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9_%+-])[A-Za-z0-9._%+-]*@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})"
)


def _mask_mobile(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_pii(text: str) -> str:
    if not text:
        return text
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _MOBILE.sub(_mask_mobile, text)


class PiiMaskingFilter(logging.Filter):
    """Formats the message once, masks it, and drops the args (they are in the text now)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        record.msg = mask_pii(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True
