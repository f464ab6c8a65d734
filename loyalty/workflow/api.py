"""Request endpoints: make (`POST /v2/requests`), list and read (`GET /v2/requests`,
`GET /v2/requests/{id}`), decide one or several (`PUT /v2/requests`), and the customer's
history as the seed documents it (`GET /v2/customers/{id}/goodwillRequest`,
`GET /v2/customers/{id}/retroRequest`). Business rules live in `loyalty.workflow.services`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from config.codes import Code
from config.errors import DomainError, Warnings
from config.input_guard import InputRules
from config.masking import mask, mask_pair, request_can_view_pii, shown_text
from config.pagination import page_from_params, paginated_response
from customers.selectors import customer_get, customer_lookup, customer_resolve
from loyalty.models import Request, RequestBaseType, RequestStatus, RequestType
from loyalty.workflow import parsers, selectors, services
from loyalty.workflow.filters import (
    ChangeRequestFilterSet,
    GoodwillRequestFilterSet,
    RequestQueueFilterSet,
)

CODES_DOC = (
    " Codes: 9006 invalid type, 9008 invalid base type (or not one of the type's), 9022 not "
    "a loyalty customer (goodwill points, retro), 9015 reason not allowed for the type, "
    "9016 goodwill points above the type's cap, 9030 a field missing or invalid, 895 unknown "
    "program, 707 unknown coupon series; retro: 1631 disabled, 1628 bill not found, 1627 "
    "bill already regular or retro, 1632 bill too old, 1633 bill dated too long before the "
    "registration; identifier change: 9012 old value not the customer's, 9024 new value "
    "invalid, 9002 / 9003 / 9005 new mobile / email / external id in use, 9031 new equals "
    "old, 9028 another pending request for the same value; merge: 9029 victim is the "
    "survivor, 9027 victim already merged, 9023 survivor is a merge victim, 9018 / 9026 a "
    "pending merge on the victim / survivor; 9021 (403) a staff maker without the type's "
    "make (or one-step) permission; 816 unknown customer."
)


# --- Rendering ------------------------------------------------------------------------


def _moment(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _org_unit(*, pk: int, code: str, name: str, kind: str, active: bool) -> dict[str, Any]:
    return {
        "id": pk,
        "code": code,
        "description": "",
        "name": name or code,
        "type": kind,
        "adminType": "GENERAL",
        "isActive": active,
        "isOuEnabled": False,
        "timeZoneId": 0,
        "currencyId": 0,
        "languageId": 0,
    }


def principal_object(*, till=None, user=None) -> dict[str, Any] | None:
    if till is not None:
        return _org_unit(
            pk=till.pk, code=till.code, name=till.name, kind="TILL", active=till.is_active
        )
    if user is not None:
        return _org_unit(
            pk=user.pk,
            code=user.get_username(),
            name=user.get_full_name(),
            kind="ADMIN_USER",
            active=user.is_active,
        )
    return None


def _attribution(request: Request) -> dict[str, Any]:
    added_by = principal_object(till=request.requested_by_till, user=request.requested_by_user)
    body: dict[str, Any] = {"addedBy": added_by}
    store = request.requested_at_store
    if store is not None:
        body["addedByParent"] = _org_unit(
            pk=store.pk, code=store.code, name=store.name, kind="STORE", active=store.is_active
        )
    decider = principal_object(user=request.decided_by_user)
    body["updatedBy"] = decider or added_by
    body["addedOn"] = _moment(request.requested_at)
    body["updatedOn"] = _moment(request.decided_at or request.requested_at)
    return body


def _updated_comments(request: Request) -> str | None:
    if request.status == RequestStatus.PENDING:
        return None
    return "; ".join(part for part in (request.comments, request.decision_comments) if part)


def _number(value) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# Payload keys holding a customer's identifier values: masked for callers who may not see
# them (config.masking), the old and new values as a pair a reader can tell apart.
def shown_payload(payload: dict[str, Any], *, can_view_pii: bool) -> dict[str, Any]:
    if can_view_pii:
        return payload
    shown = dict(payload)
    kind = str(payload.get("identifierType", ""))
    if "oldValue" in shown or "newValue" in shown:
        old, new = mask_pair(kind, payload.get("oldValue", ""), payload.get("newValue", ""))
        for name, value in (("oldValue", old), ("newValue", new)):
            if name in shown:
                shown[name] = value
    if "mobile" in shown:
        shown["mobile"] = mask("mobile", str(shown["mobile"]))
    return shown


def request_item(request: Request, *, can_view_pii: bool) -> dict[str, Any]:
    """One request as `GET /v2/requests` answers it: the seed's change-request fields plus
    the type, the payload and what the effect wrote."""
    body: dict[str, Any] = {"id": request.pk, "requestId": request.pk}
    body.update(
        type=request.type,
        baseType=request.base_type,
        status=request.status,
        userId=request.customer_id,
    )
    body.update(_attribution(request))
    body.update(
        reason=shown_text(request.reason, can_view_pii=can_view_pii),
        comments=shown_text(request.comments, can_view_pii=can_view_pii),
        updatedComments=shown_text(_updated_comments(request), can_view_pii=can_view_pii),
        referenceId=request.reference_id,
        payload=shown_payload(request.payload, can_view_pii=can_view_pii),
        approvedValue=_number(request.approved_value),
        oneStep=request.one_step,
        autoApprove=request.auto_approved,
        programId=request.program_id,
        transactionId=request.bill_id,
        couponId=request.coupon_id,
        mergeId=request.merge_id,
        ledgerEntryIds=[entry.pk for entry in getattr(request, "ledger_entries", [])],
        failureCode=request.failure_code,
        failureReason=shown_text(request.failure_reason, can_view_pii=can_view_pii) or None,
        warnings=[],
    )
    return body


def goodwill_item(request: Request, *, can_view_pii: bool) -> dict[str, Any]:
    """A goodwill request in the shape of the seed's `goodwillRequest` sample."""
    body: dict[str, Any] = {"id": request.pk}
    body.update(_attribution(request))
    body.update(
        userId=request.customer_id,
        requestId=request.pk,
        goodwillType=request.base_type,
        goodwillStatus=request.status,
        comments=shown_text(request.comments, can_view_pii=can_view_pii),
        reason=shown_text(request.reason, can_view_pii=can_view_pii),
    )
    if request.status == RequestStatus.APPROVED and request.approved_value is not None:
        body["approvedValue"] = str(_number(request.approved_value))
    updated = _updated_comments(request)
    if updated is not None:
        body["updatedComments"] = shown_text(updated, can_view_pii=can_view_pii)
    body["oneStep"] = request.one_step
    return body


def change_item(request: Request, *, can_view_pii: bool) -> dict[str, Any]:
    """A request in the shape of the seed's `retroRequest` (change requests) sample."""
    body: dict[str, Any] = {"id": request.pk, "status": request.status}
    body.update(_attribution(request))
    body.update(
        userId=request.customer_id,
        requestId=request.pk,
        baseType=request.base_type,
        reason=shown_text(request.reason, can_view_pii=can_view_pii),
        comments=shown_text(request.comments, can_view_pii=can_view_pii),
    )
    if request.bill_id is not None:
        body["transactionId"] = request.bill_id
    payload = shown_payload(request.payload, can_view_pii=can_view_pii)
    for name in ("oldValue", "newValue", "victimId", "survivorId", "mobile", "fromCustomerId"):
        if name in payload:
            body[name] = payload[name]
    body.update(warnings=[], reqAdd=True, oneStep=request.one_step)
    return body


# --- Parsing bodies ----------------------------------------------------------------


def _customer_of(body: dict[str, Any]):
    customer_id = body.get("customerId", body.get("userId"))
    if customer_id not in (None, ""):
        return customer_get(customer_id=customer_id)
    if body.get("identifierName") or body.get("identifierValue"):
        return customer_lookup(
            source=body.get("source"),
            account_id=body.get("accountId"),
            identifier_name=body.get("identifierName"),
            identifier_value=body.get("identifierValue"),
        )
    raise DomainError(Code.REQUEST_FIELD_INVALID, x="customerId")


# Malformed text or numbers in a request call answer the family's "field missing or
# invalid" (9030), the enumerations their own codes; at most 100 decisions a call.
REQUEST_INPUT = InputRules(
    code=9030,
    field_codes={
        "type": 9006,
        "baseType": 9008,
        "status": 9020,
        "[].status": 9020,
        "requests[].status": 9020,
        "data[].status": 9020,
    },
    max_items={"": 100, "requests": 100, "data": 100},
)


LIST_PARAMETERS = [
    OpenApiParameter("type", str, required=False, enum=RequestType.values),
    OpenApiParameter("baseType", str, required=False, enum=RequestBaseType.values),
    OpenApiParameter("status", str, required=False, enum=RequestStatus.values),
    OpenApiParameter("customerId", int, required=False),
    OpenApiParameter("storeCode", str, required=False),
    OpenApiParameter("requester", str, required=False, description="Till code or user name."),
    OpenApiParameter("startDate", str, required=False, description="YYYY-MM-DD"),
    OpenApiParameter("endDate", str, required=False, description="YYYY-MM-DD (included)"),
    OpenApiParameter("limit", int, required=False),
    OpenApiParameter("offset", int, required=False),
]


class RequestsView(APIView):
    input_rules = REQUEST_INPUT

    @extend_schema(
        operation_id="requests_list",
        summary="List requests (the checker's queue)",
        description=(
            "Requests of every type, PENDING first (oldest first), then decided ones (most "
            "recently decided first). Filters: `type` (9006 if unknown), `baseType` (9008), "
            "`status` (9020), `customerId`, `storeCode`, `requester` (till code or user name), "
            "`startDate` / `endDate` (made on or between, YYYY-MM-DD: 8112 / 8113 when not a "
            "date, 1216 a date in another format, 8115 startDate after endDate); `limit` / "
            "`offset` (8101 / 8100 / 8102). Tills and staff who make, check or view requests."
        ),
        parameters=LIST_PARAMETERS,
        responses={200: dict},
    )
    def get(self, request):
        page = page_from_params(request.query_params)
        filters = RequestQueueFilterSet(request.query_params).request_filters()
        requests, total = selectors.requests_queue(filters=filters, page=page)
        return paginated_response(
            [request_item(r, can_view_pii=request_can_view_pii(request)) for r in requests],
            page=page,
            total=total,
        )

    @extend_schema(
        operation_id="request_create",
        summary="Make a request (goodwill, retro claim, identifier change, merge, reallocation)",
        description=(
            "Body: `type` (GOODWILL, TRANSACTION_UPDATE, CHANGE_IDENTIFIER), `baseType` "
            "(POINTS, COUPON | RETRO | MOBILE, EMAIL, EXTERNAL_ID, MERGE, MOBILE_REALLOC), the "
            "customer by `customerId` (or `userId`) or by `source` / `accountId` / "
            "`identifierName` / `identifierValue`, `reason`, `comments`, `referenceId`, "
            "`oneStep` (make and approve at once: staff with the type's one-step permission), "
            "`autoApprove` (honoured where the type's configuration allows callers to ask; "
            "else warning 9025), and the payload of the base type: POINTS `programId` "
            "(default program if absent), `points` (a positive number with at most two decimal "
            "places, as the ledger keeps them, at most 999999999999.99: else 9030, never "
            "rounded); COUPON `seriesId`; RETRO `billNumber`, "
            "`storeCode` (a till's own store if absent), `billDate` (YYYY-MM-DD, optional "
            "check); MOBILE / EMAIL / EXTERNAL_ID `source` (default INSTORE), `accountId`, "
            "`oldValue`, `newValue`; MERGE `victimId` (the customer is the survivor); "
            "MOBILE_REALLOC `mobile`, `fromCustomerId` (the customer receives it). Answers "
            '`{"createdId": N, "status": "PENDING", "warnings": [], "errors": []}`; an '
            "approval at once whose effect is refused answers status FAILED with the reason "
            "in `errors`." + CODES_DOC
        ),
        request=dict,
        responses={200: dict},
    )
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        customer = _customer_of(body)
        command = parsers.raise_request_command(body)
        outcome = services.request_create(command=command, customer=customer, actor=request.user)
        return Response(
            {
                "createdId": outcome.request.pk,
                "status": outcome.request.status,
                "warnings": list(outcome.warnings),
                "errors": [outcome.failure.as_item()] if outcome.failure else [],
            }
        )

    @extend_schema(
        operation_id="requests_decide",
        summary="Approve or reject one or several requests",
        description=(
            "Body: a list of `{id, status: APPROVED|REJECTED, comments, approvedValue}` (or "
            '`{"requests": [...]}`, or one such object). Each item is decided in its own '
            "transaction and answers its own result in `data` (`id`, `status`, "
            "`approvedValue`, `warnings`, `errors`), so one refused item does not undo the "
            "others. HTTP 200 when at least one item was decided; when every item was "
            "refused, the first refusal's HTTP status with the items' errors. Per item: 9013 "
            "unknown request, 9014 already decided (409), 9020 status not APPROVED/REJECTED, "
            "9017 rejection without `comments`, 9019 (403) the decider made the request, "
            "9021 (403) no check permission for the type, 9033 `approvedValue` above the "
            "requested points, 9030 `approvedValue` not a positive number. An approval whose "
            "effect is refused (e.g. 9002 the new mobile was taken meanwhile, 1627 the bill "
            "was claimed meanwhile) answers status FAILED with that code and writes nothing. "
            "Staff with a `check_<type>_request` permission only."
        ),
        request=dict,
        responses={200: dict},
    )
    def put(self, request):
        items = parsers.decision_items(request.data)
        results = services.requests_decide(items=items, actor=request.user)
        data = []
        for result in results:
            if result.error is not None:
                data.append(
                    {"id": result.request_id, "warnings": [], "errors": [result.error.as_item()]}
                )
                continue
            decided = result.outcome.request
            data.append(
                {
                    "id": decided.pk,
                    "status": decided.status,
                    "approvedValue": _number(decided.approved_value),
                    "warnings": [],
                    "errors": [result.outcome.failure.as_item()] if result.outcome.failure else [],
                }
            )
        refused = [result.error for result in results if result.error is not None]
        if results and len(refused) == len(results):
            return Response(
                {"data": data, "warnings": [], "errors": [error.as_item() for error in refused]},
                status=refused[0].http_status,
            )
        return Response({"data": data, "warnings": [], "errors": []})


class RequestDetailView(APIView):
    input_rules = REQUEST_INPUT

    @extend_schema(
        operation_id="request_get",
        summary="One request",
        description="The request as `GET /v2/requests` lists it; unknown request 9013 (404).",
        responses={200: dict},
    )
    def get(self, request, request_id: str):
        found = selectors.request_get(request_id=request_id)
        item = request_item(found, can_view_pii=request_can_view_pii(request))
        return Response({"data": item, "warnings": [], "errors": []})


class CustomerGoodwillRequestsView(APIView):
    input_rules = REQUEST_INPUT

    @extend_schema(
        operation_id="customer_goodwill_requests",
        summary="Goodwill requests of a customer",
        description=(
            "The customer's goodwill requests (points and coupons), newest first, in the "
            "seed's shape (`goodwillType`, `goodwillStatus`, `approvedValue` once approved, "
            "`updatedComments` once decided, `AUTO_APPROVED` for auto-approved ones). Filters: "
            "`requestId`, `is_one_step_change`, `programId`, `autoApprove`; `limit` / "
            "`offset`. Unknown customer 816. A merge victim's id answers its survivor's "
            "requests (with those of every customer merged into it) and warnings 8069, 91009."
        ),
        parameters=[
            OpenApiParameter("requestId", int, required=False),
            OpenApiParameter("is_one_step_change", bool, required=False),
            OpenApiParameter("programId", int, required=False),
            OpenApiParameter("autoApprove", bool, required=False),
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: str):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params)
        filters = GoodwillRequestFilterSet(request.query_params).request_filters()
        requests, total = selectors.customer_requests(
            customer_id=customer.pk, filters=filters, page=page
        )
        return paginated_response(
            [goodwill_item(r, can_view_pii=request_can_view_pii(request)) for r in requests],
            page=page,
            total=total,
            warnings=warnings,
        )


class CustomerChangeRequestsView(APIView):
    input_rules = REQUEST_INPUT

    @extend_schema(
        operation_id="customer_change_requests",
        summary="Change requests of a customer (retro, identifier changes, merges, goodwill)",
        description=(
            "The customer's requests, newest first, in the seed's `retroRequest` shape "
            "(`transactionId` for retro claims). `changeType` narrows to EMAIL, MOBILE, "
            "EXTERNAL_ID, MERGE, ADDRESS, MOBILE_REALLOC, COUPON, POINTS, TIER or RETRO "
            "(ADDRESS and TIER changes are not made through requests: empty list; anything "
            "else 9008); `startDate` / `endDate` (YYYY-MM-DD: 8112 / 8113 when not a date, "
            "1216 a date in another format, 8115 startDate after endDate), `startId` / "
            "`endId` (request ids, inclusive), `offset`, `limit`. Unknown customer 816. A merge "
            "victim's id answers its survivor's requests (with those of every customer merged "
            "into it) and warnings 8069, 91009."
        ),
        parameters=[
            OpenApiParameter("changeType", str, required=False),
            OpenApiParameter("startDate", str, required=False),
            OpenApiParameter("endDate", str, required=False),
            OpenApiParameter("startId", int, required=False),
            OpenApiParameter("endId", int, required=False),
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: str):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params)
        filters, base_types = ChangeRequestFilterSet(request.query_params).request_filters()
        requests, total = selectors.customer_requests(
            customer_id=customer.pk, filters=filters, page=page, base_types=base_types
        )
        return paginated_response(
            [change_item(r, can_view_pii=request_can_view_pii(request)) for r in requests],
            page=page,
            total=total,
            warnings=warnings,
        )
