"""Keep personal data out of the logs: mobiles and e-mails are masked on every log line,
by the console's rule (`config.masking.mask_text`: `919012345601` -> `••••••••5601`,
`test.user@example.com` -> `t•••@example.com`), after URL-decoding, in any formatting.
Installed on the console handler, so it sees every record, whichever logger wrote it,
including the text of a logged exception (an IntegrityError quotes the duplicate value).
"""

from __future__ import annotations

import logging

from config.masking import mask_text

mask_pii = mask_text


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
