"""Loyalty tables: programs, tiers, enrollments, the ledger, bills, coupons and transfers
(`core`), and the requests with their approval workflow (`requests`)."""

from loyalty.models.core import *  # noqa: F403
from loyalty.workflow.models import *  # noqa: F403
