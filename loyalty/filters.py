"""The query-string filters of the loyalty reads as FilterSets (`config.filters`): the
ledger (`GET /v2/customers/{id}/ledger`: `programId`, `cursor`) and the loyalty details
(`GET /v2/customers/{id}/loyaltyDetails`: `programId`). A program id that is no id a
program can have answers 895, as an unknown program does. Paging (`limit`) is read apart,
before; the cursor is checked where it is decoded (`selectors.ledger_page`: 9205)."""

from __future__ import annotations

from config.codes import Code
from config.filters import CodedFilterSet, IdFilter, RawTextFilter
from config.rows import INTEGER_MAX
from loyalty.models import LedgerEntry, Program


class LedgerFilterSet(CodedFilterSet):
    """`GET /v2/customers/{id}/ledger`."""

    cursor = RawTextFilter()
    programId = IdFilter(max_value=INTEGER_MAX, code=Code.PROGRAM_NOT_CONFIGURED)

    class Meta:
        model = LedgerEntry
        fields: list[str] = []


class LoyaltyDetailsFilterSet(CodedFilterSet):
    """`GET /v2/customers/{id}/loyaltyDetails`."""

    programId = IdFilter(max_value=INTEGER_MAX, code=Code.PROGRAM_NOT_CONFIGURED)

    class Meta:
        model = Program
        fields: list[str] = []
