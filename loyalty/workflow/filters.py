"""The query-string filters of the request lists (`GET /v2/requests`, a customer's
`goodwillRequest` and `retroRequest`) as FilterSets (`config.filters`): each validates the
query string, answers the filter's code for a bad value (the first bad one in declaration
order, the order these endpoints have always checked them in) and gives the
`RequestFilters` the selectors take. Paging (`limit` / `offset`) is read apart, before."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from config.codes import Code
from config.filters import (
    CodedFilter,
    CodedFilterSet,
    DayRangeFilter,
    FlagFilter,
    IdFilter,
    KeywordFilter,
    TextFilter,
)
from config.rows import BIGINT_MAX
from loyalty.models import Request, RequestBaseType, RequestStatus, RequestType
from loyalty.workflow.selectors import RequestFilters

# `changeType` of `GET /v2/customers/{id}/retroRequest`; ADDRESS and TIER changes are not
# made through requests here, so they answer an empty list.
CHANGE_TYPES = (
    "EMAIL",
    "MOBILE",
    "EXTERNAL_ID",
    "MERGE",
    "ADDRESS",
    "MOBILE_REALLOC",
    "COUPON",
    "POINTS",
    "TIER",
    "RETRO",
)


class ChangeTypeField(forms.Field):
    """`changeType`: the base types it selects ([] for ADDRESS and TIER, which are not
    made through requests); None when absent."""

    def to_python(self, value):
        if not value:
            return None
        change_type = value.strip().upper()
        if change_type not in CHANGE_TYPES:
            raise ValidationError("unknown change type", code="invalid_choice")
        return [change_type] if change_type in RequestBaseType.values else []


class ChangeTypeFilter(CodedFilter):
    field_class = ChangeTypeField


class RequestQueueFilterSet(CodedFilterSet):
    """`GET /v2/requests`."""

    dates = DayRangeFilter()
    type = KeywordFilter(choices=RequestType.values, code=Code.REQUEST_TYPE_INVALID)
    baseType = KeywordFilter(choices=RequestBaseType.values, code=Code.REQUEST_BASE_TYPE_INVALID)
    status = KeywordFilter(choices=RequestStatus.values, code=Code.DECISION_STATUS_INVALID)
    customerId = IdFilter(max_value=BIGINT_MAX, code=Code.REQUEST_FIELD_INVALID)
    storeCode = TextFilter()
    requester = TextFilter()  # a till code or a staff user name

    class Meta:
        model = Request
        fields: list[str] = []

    def request_filters(self) -> RequestFilters:
        values = self.cleaned()
        start, end = values["dates"]
        return RequestFilters(
            request_type=values["type"],
            base_type=values["baseType"],
            status=values["status"],
            customer_id=values["customerId"],
            store_code=values["storeCode"],
            requester=values["requester"],
            start=start,
            end=end,
        )


class GoodwillRequestFilterSet(CodedFilterSet):
    """`GET /v2/customers/{id}/goodwillRequest`."""

    requestId = IdFilter(max_value=BIGINT_MAX, code=Code.REQUEST_FIELD_INVALID)
    is_one_step_change = FlagFilter()
    programId = IdFilter(max_value=BIGINT_MAX, code=Code.REQUEST_FIELD_INVALID)
    autoApprove = FlagFilter()

    class Meta:
        model = Request
        fields: list[str] = []

    def request_filters(self) -> RequestFilters:
        values = self.cleaned()
        return RequestFilters(
            request_type=RequestType.GOODWILL,
            request_id=values["requestId"],
            one_step=values["is_one_step_change"],
            program_id=values["programId"],
            auto_approved=values["autoApprove"],
        )


class ChangeRequestFilterSet(CodedFilterSet):
    """`GET /v2/customers/{id}/retroRequest`."""

    changeType = ChangeTypeFilter(code=Code.REQUEST_BASE_TYPE_INVALID)
    dates = DayRangeFilter()
    startId = IdFilter(max_value=BIGINT_MAX, code=Code.REQUEST_FIELD_INVALID)
    endId = IdFilter(max_value=BIGINT_MAX, code=Code.REQUEST_FIELD_INVALID)

    class Meta:
        model = Request
        fields: list[str] = []

    def request_filters(self) -> tuple[RequestFilters, list[str] | None]:
        """The filters and the base types `changeType` selects (None: every type)."""
        values = self.cleaned()
        start, end = values["dates"]
        filters = RequestFilters(
            start=start, end=end, start_id=values["startId"], end_id=values["endId"]
        )
        return filters, values["changeType"]
