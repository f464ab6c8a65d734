"""Gunicorn's own logs (access and error) with mobiles and e-mails masked.

Lookups carry identifiers in the query string (`identifierValue=919012345601`), which the
access log would otherwise print: `gunicorn --logger-class config.gunicorn_logging.MaskingLogger`.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from config.log_filters import PiiMaskingFilter


class MaskingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(PiiMaskingFilter())
