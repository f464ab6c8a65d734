"""The Customer v2 endpoints: thin views over `customers.services` and `customers.selectors`.

Who may call what: `config.access.API`. Who sees what (`config.masking`): tills (trusted
store systems) read identifiers in full; staff see identifier and channel values masked
(`••••••••1234`) unless they hold `customers.view_pii`; asking for full values
(`pii=full`) without it answers 1044.
"""

from __future__ import annotations

import json
from pathlib import Path

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.codes import Code
from config.errors import DomainError, Warnings
from config.input_guard import InputRules
from config.masking import request_can_view_pii
from config.pagination import page_from_params, paginated_response
from customers import parsers, selectors, services

_SAMPLES = Path(__file__).resolve().parent / "samples"


def _sample(name: str) -> dict:
    try:
        return json.loads((_SAMPLES / name).read_text())
    except (OSError, ValueError):
        return {}


def mask_pii(request) -> bool:
    """Whether identifier values are masked for this caller (`config.masking`; 1044 if
    full ones are asked without the right to see them)."""
    if request_can_view_pii(request):
        return False
    if request.query_params.get("pii", "").lower() == "full":
        raise DomainError(Code.DETAILS_PERMISSION_DENIED)
    return True


def embed_names(raw: str | None) -> list[str]:
    """`embed=points,mlp` (quotes of any kind tolerated: the seed writes `embed=”points”`)."""
    names = []
    for part in (raw or "").split(","):
        name = part.strip().strip("\"'“”‘’").strip().lower()
        if name and name not in names:
            names.append(name)
    return names


# The query parameters of each endpoint: optional strings, trimmed as DRF's CharField trims
# them (`_query`). Read without a serializer: building one per call (a deep copy of its
# fields) cost a tenth of a lookup's CPU, to check nothing more than this.
SOURCE_QUERY = ("source", "accountId")
IDENTIFIER_QUERY = (*SOURCE_QUERY, "identifierName", "identifierValue")
DETAILS_QUERY = (*SOURCE_QUERY, "embed", "pii")
LOOKUP_DETAILS_QUERY = (*IDENTIFIER_QUERY, "embed", "pii")
SEARCH_QUERY = ("q", "limit", "offset", "pii")


class StatusBody(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a body field, not Field.label
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeIdentifierItem(serializers.Serializer):
    type = serializers.CharField()
    value = serializers.JSONField()


class ChangeIdentifierBody(serializers.Serializer):
    add = ChangeIdentifierItem(many=True, required=False)
    remove = ChangeIdentifierItem(many=True, required=False)


def _query(names: tuple[str, ...], request) -> dict[str, str]:
    """The parameters of `names` given in the query string (the last of a repeated one),
    without surrounding whitespace (the edge guard has refused NUL characters)."""
    params = request.query_params
    return {name: params[name].strip() for name in names if name in params}


# The most members or items a customer body may hold (the edge guard refuses more with 400
# naming the field): more than any org configures or a till sends. An opening balance is
# bounded by the enrollments' own 9207, which says the range.
CUSTOMER_INPUT = InputRules(
    bounded_numbers=frozenset({"loyaltyProgramEnrollments[].loyaltyPoints"}),
    max_items={
        "profiles": 20,
        "profiles[].identifiers": 50,
        "profiles[].commChannels": 50,
        "profiles[].commChannels[].meta": 50,
        "profiles[].fields": 100,
        "extendedFields": 100,
        "loyaltyProgramEnrollments": 20,
        "add": 50,
        "remove": 50,
    },
)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise DomainError(Code.BAD_REQUEST, "The request body must be a JSON object")
    return request.data


_SOURCE_PARAMS = [
    OpenApiParameter("source", str, description="INSTORE, MOBILE_APP, WECHAT, … (required)"),
    OpenApiParameter("accountId", str, description="Required for multi-account sources"),
]
_IDENTIFIER_PARAMS = [
    OpenApiParameter("identifierName", str, description="mobile, email, externalId, …"),
    OpenApiParameter("identifierValue", str),
]
_DETAIL_PARAMS = [
    OpenApiParameter("embed", str, description="Comma list of points, subscriptions, mlp"),
    OpenApiParameter("pii", str, description="`full` to require unmasked values (staff: 1044)"),
]
_WRITE_SOURCE_CODES = (
    "8004 no source, 8003 invalid source, 8045 no accountId for a multi-account source, "
    "8127 unknown accountId"
)
_STRICT_BODY = (
    "Fields of the wrong JSON type answer 400 and write nothing (they are never ignored): "
    "`profiles`, `identifiers`, `commChannels` and `loyaltyProgramEnrollments` must be "
    "lists of objects (one object alone is accepted), `loyaltyInfo`, `extendedFields`, "
    "`fields` and a channel's `meta` objects; `firstName` / `lastName` strings of at most "
    "100 characters (a longer one is refused, not cut); channel values and custom field "
    "values strings (numbers and booleans are read as their text, as the seeds send them) "
    "of at most 200 characters; identifier values strings or numbers. "
)
_ENROLLMENTS = (
    "`loyaltyProgramEnrollments[]`: `programId` (unknown: warning 9201, skipped), "
    "`tierNumber` (unknown, for a new enrollment: warning 9202 and the base tier), "
    "`tierExpiryDate`, `loyaltyPoints` and `pointsExpiryDate` (in the past: warning 9203). "
    "`loyaltyPoints` is an opening balance credited once, when the enrollment is new, "
    "without a checker: it must be a whole number of points from 0 to 100000 (a JSON "
    "number, or its digits as a string). Anything else - negative, fractional (12.5), not "
    'a number (`"abc"`), larger (2147483648) - refuses the whole request with **9207** '
    "(HTTP 400, nothing written) rather than a warning, because a balance skipped once "
    "could never be sent again; a larger balance goes through a goodwill request. "
)
_ACCESS = (
    "Tills see identifiers in full (trusted store systems); staff without "
    "`customers.view_pii` see them masked (`••••••••1234`), and 1044 when asking `pii=full`."
)


def _details_response(request, customer_id, ref, embed: list[str], warnings: Warnings):
    """Details of a customer; a merge victim answers its survivor's record with 91009.

    Asked for one source (account) in which the customer has no profile: 8065 (HTTP 404,
    the registry's status for it), as the seed's fetch-details table says; `source=ALL`
    answers every profile, none included."""
    body = selectors.customer_details_get(
        customer_id=customer_id,
        source=ref,
        warnings=warnings,
        embed=embed,
        mask_pii=mask_pii(request),
    )
    if not ref.is_all and not body.get("profiles"):
        raise DomainError(Code.NOT_FOUND_IN_SOURCE)
    body["warnings"] = [*warnings, *body.get("warnings", [])]
    return Response(body)


class CustomersView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_register",
        summary="Register a customer",
        description=(
            "`POST /v2/customers?source=&accountId=`. Answers HTTP 200 with `createdId`, "
            "`warnings` and `sideEffects` (from the loyalty registration steps), for a new "
            "customer and for one combined from another source alike (the seeds give the "
            "code 1000 and no HTTP status). Identifier already in the same source/account: "
            "8006 with the owner's id (one code for every identifier type; 1032/1033/1016 "
            "are not used). In another source: a new profile on that customer, warning 8050; "
            "refused with 8066 when that customer already has a profile in this source/account. "
            "Held by several customers: the oldest is combined and the identifiers of the "
            "others are not taken (warning 8052 naming them; nothing merges). Codes: "
            f"{_WRITE_SOURCE_CODES}; 1001 invalid mobile, 1002 invalid email, 1003 invalid "
            "externalId, 8013 unknown identifier type, 1007 a loyalty customer with none of "
            "mobile / email / externalId (org setting `REGISTRATION_PRIMARY_IDENTIFIER_REQUIRED`, "
            "on by default; off: any identifier, none still 1007), 1045 a non-loyalty customer "
            "without mobile or email, 1017 unknown "
            "custom field, 91015 (warning) unknown extended field or bad value, skipped, "
            "8010 unknown channel type, 8057/8058 (warnings) invalid channel e-mail/mobile, "
            "skipped, 91020 unknown `associatedWith` till, 8017 unreadable registration "
            "date, 1034 registration date outside the allowed window, 618 the existing "
            "customer is marked as fraud, 400 body not a JSON object or bad loyaltyType. "
            + _STRICT_BODY
            + _ENROLLMENTS
        ),
        parameters=_SOURCE_PARAMS,
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample("register", value=_sample("register.request.json"), request_only=True),
            OpenApiExample(
                "registered", value=_sample("register.response.json"), response_only=True
            ),
        ],
    )
    def post(self, request):
        query = _query(SOURCE_QUERY, request)
        command = parsers.register_command(
            source=query.get("source"), account_id=query.get("accountId"), body=_body(request)
        )
        result = services.customer_register(command=command, actor=request.user)
        return Response(
            {
                "createdId": result.customer.pk,
                "warnings": list(result.warnings),
                "sideEffects": result.side_effects,
            },
            status=status.HTTP_200_OK,
        )


class CustomerSearchView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_search",
        summary="Search customers by name or identifier prefix",
        description=(
            "`GET /v2/customers/search?q=&limit=&offset=`: customers whose first name, last "
            "name or any identifier value starts with `q` (case-insensitive, every source; "
            "a phone-like `q` is reduced to digits), newest first, with "
            "`matchedIdentifiers` and `profiles`, and the total of matches. Codes: 400 no "
            "`q`, 8100/8101/8102 bad offset/limit, 1044 `pii=full` without permission. " + _ACCESS
        ),
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
            OpenApiParameter("pii", str),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample("found", value=_sample("search.response.json"), response_only=True)
        ],
    )
    def get(self, request):
        query = _query(SEARCH_QUERY, request)
        page = page_from_params(request.query_params)
        rows, total = selectors.customer_search(
            q=query.get("q", ""), limit=page.limit, offset=page.offset, mask_pii=mask_pii(request)
        )
        return paginated_response(rows, page=page, total=total)


def _lookup(query: dict):
    return selectors.customer_lookup(
        source=query.get("source"),
        account_id=query.get("accountId"),
        identifier_name=query.get("identifierName"),
        identifier_value=query.get("identifierValue"),
    )


_LOOKUP_CODES = (
    "8001 no source, 8003 invalid source, 8045 no accountId for a multi-account source, "
    "8011 unknown accountId, 8013 unknown identifierName or invalid value, 8065 not found "
    "in the source, 8015 not found with `source=ALL`"
)


class CustomerLookupView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_lookup",
        summary="Find a customer's id by identifier",
        description=(
            "`GET /v2/customers/lookup?source=&accountId=&identifierName=&identifierValue=` "
            "answers `{entity, warnings}`; `source=ALL` searches every source. Codes: "
            + _LOOKUP_CODES
            + "."
        ),
        parameters=[*_SOURCE_PARAMS, *_IDENTIFIER_PARAMS],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("found", value=_sample("lookup.response.json"))],
    )
    def get(self, request):
        customer = _lookup(_query(IDENTIFIER_QUERY, request))
        return Response({"entity": customer.pk, "warnings": []})

    @extend_schema(
        operation_id="customer_update_by_identifier",
        summary="Update a customer found by identifier",
        description=(
            "`PUT /v2/customers/lookup?source=&accountId=&identifierName=&identifierValue=` "
            "with the body of `PUT /v2/customers/{id}`; answers `{createdId, warnings}`. "
            "Codes: the lookup's (" + _LOOKUP_CODES + ") and the update's (see "
            "customer_update)."
        ),
        parameters=[*_SOURCE_PARAMS, *_IDENTIFIER_PARAMS],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def put(self, request):
        query = _query(IDENTIFIER_QUERY, request)
        customer = _lookup(query)
        command = parsers.update_command(
            customer_id=customer.pk,
            source=query.get("source"),
            account_id=query.get("accountId"),
            body=_body(request),
        )
        result = services.customer_update(command=command, actor=request.user)
        return Response({"createdId": result.customer.pk, "warnings": list(result.warnings)})


class CustomerLookupDetailsView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_lookup_details",
        summary="Customer details by identifier",
        description=(
            "`GET /v2/customers/lookup/customerDetails?source=&accountId=&identifierName="
            "&identifierValue=&embed=`: the details body of `GET /v2/customers/{id}` for the "
            "customer found, with the profiles of the source (or every source with "
            "`source=ALL`). Codes: " + _LOOKUP_CODES + ", 1044. " + _ACCESS
        ),
        parameters=[*_SOURCE_PARAMS, *_IDENTIFIER_PARAMS, *_DETAIL_PARAMS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = _query(LOOKUP_DETAILS_QUERY, request)
        customer = _lookup(query)
        ref = selectors.source_resolve(
            source=query.get("source"),
            account_id=query.get("accountId"),
            missing_code=Code.LOOKUP_SOURCE_MISSING,
            unknown_account_code=Code.SOURCE_ACCOUNT_INVALID,
            allow_all=True,
        )
        return _details_response(
            request, customer.pk, ref, embed_names(query.get("embed")), Warnings()
        )


class _StatusMixin:
    def _set_status(self, request, customer_id):
        body = StatusBody(data=_body(request))
        body.is_valid(raise_exception=True)
        customer = services.customer_set_status(
            customer_id=customer_id,
            label=body.validated_data["label"],
            reason=body.validated_data["reason"],
            actor=request.user,
        )
        return Response(
            {
                "success": True,
                "entity": customer.pk,
                "status": {"label": customer.status},
                "warnings": [],
            }
        )


_STATUS_DESCRIPTION = (
    "Body `{label, reason}`; label one of ACTIVE, SUSPENDED, DELETED, FRAUD_MARKED, "
    "FRAUD_CONFIRMED (case and spaces tolerated: `Fraud Marked`). The change and its reason "
    "are kept in the status history and the audit trail. Fraud-marked customers refuse "
    "every write with 618, including a till changing their status; staff with "
    "`customers.change_customer` may lift it. Codes: 8086 unknown label, 816 unknown "
    "customer, 8067 the customer was merged (the survivor's id in the message), 618."
)


class CustomerLookupStatusView(_StatusMixin, APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_status_by_identifier",
        summary="Change the status of a customer found by identifier",
        description="`PUT /v2/customers/lookup/status?source=&accountId=&identifierName="
        "&identifierValue=`. " + _STATUS_DESCRIPTION + " Lookup codes: " + _LOOKUP_CODES + ".",
        parameters=[*_SOURCE_PARAMS, *_IDENTIFIER_PARAMS],
        request=StatusBody,
        responses={200: OpenApiTypes.OBJECT},
    )
    def put(self, request):
        customer = _lookup(_query(IDENTIFIER_QUERY, request))
        return self._set_status(request, customer.pk)


class CustomerStatusView(_StatusMixin, APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_status",
        summary="Change a customer's status",
        description="`PUT /v2/customers/{id}/status`. " + _STATUS_DESCRIPTION,
        request=StatusBody,
        responses={200: OpenApiTypes.OBJECT},
    )
    def put(self, request, customer_id: str):
        return self._set_status(request, customer_id)


class CustomerDetailView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_details",
        summary="Customer details",
        description=(
            "`GET /v2/customers/{id}?source=&accountId=&embed=`: profiles of one source "
            "(account) or of every source with `source=ALL` (also the default when `source` "
            "is left out), identifiers, channels, loyalty info, extended fields; "
            "`loyaltyInfo.lifetimePurchases` is the customer's regular bills less returns "
            "(loyalty and non-loyalty customers alike); timestamps are to the second. "
            "`embed=points,subscriptions,mlp` add the loyalty and subscriptions fragments. "
            "`loyaltyInfo.attributionV2` is the registration: `createDate` the "
            "`attributionV2.createDate` sent at registration (else its time), `createdBy` the "
            "`associatedWith` till when one was given (else who registered). "
            "A merge victim answers the survivor's record (its `id` is the survivor's) with "
            "warnings 8069 and 91009 - an answer rather than an 8069 refusal, so that a store "
            "holding an old id keeps working. Codes: 816 unknown customer, 8012 invalid source, 8045 no "
            "accountId for a multi-account source, 8011 unknown accountId, 8065 (HTTP 404) "
            "no profile of the customer in the source (account) asked for, 1044. " + _ACCESS
        ),
        parameters=[*_SOURCE_PARAMS, *_DETAIL_PARAMS],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("details", value=_sample("details.response.json"))],
    )
    def get(self, request, customer_id: str):
        query = _query(DETAILS_QUERY, request)
        ref = selectors.source_resolve(
            source=query.get("source") or selectors.ALL_SOURCES,
            account_id=query.get("accountId"),
            missing_code=Code.LOOKUP_SOURCE_MISSING,
            unknown_account_code=Code.SOURCE_ACCOUNT_INVALID,
            allow_all=True,
            invalid_source_code=Code.SOURCE_INVALID,  # the seed's fetch-details table: 8012
        )
        return _details_response(
            request, customer_id, ref, embed_names(query.get("embed")), Warnings()
        )

    @extend_schema(
        operation_id="customer_update",
        summary="Update a customer",
        description=(
            "`PUT /v2/customers/{id}?source=&accountId=`: first/last name, custom `fields`, "
            "`commChannels` (a type sent replaces that type's channels), `extendedFields`, "
            "loyalty type (non-loyalty to loyalty only). The profile of the source is "
            "created when missing. Identifiers are not changed here (use changeIdentifier): "
            "each one not already on the profile answers warning 91006. Answers "
            "`{createdId, warnings}`. Codes: "
            f"{_WRITE_SOURCE_CODES}, 816 unknown customer, 618 fraud, "
            "8018 loyalty to non-loyalty (chosen over 1046), 1017 unknown custom field, "
            "91015 (warning) bad extended field, 8010 unknown channel type, 8057/8058 "
            "(warnings) invalid channel values, 91006 (warning). A merge victim's id updates "
            "its survivor, warning 8069 (`createdId` is the survivor's). A channel sent as "
            "primary stops the customer's other primary channels of that type with another "
            "value from being primary (one primary value per type). " + _STRICT_BODY + _ENROLLMENTS
        ),
        parameters=_SOURCE_PARAMS,
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample("update", value=_sample("update.request.json"), request_only=True),
            OpenApiExample("updated", value=_sample("update.response.json"), response_only=True),
        ],
    )
    def put(self, request, customer_id: str):
        query = _query(SOURCE_QUERY, request)
        command = parsers.update_command(
            customer_id=customer_id,
            source=query.get("source"),
            account_id=query.get("accountId"),
            body=_body(request),
        )
        result = services.customer_update(command=command, actor=request.user)
        return Response({"createdId": result.customer.pk, "warnings": list(result.warnings)})


class CustomerChangeIdentifierView(APIView):
    input_rules = CUSTOMER_INPUT

    @extend_schema(
        operation_id="customer_change_identifier",
        summary="Add or remove identifiers",
        description=(
            "`POST /v2/customers/{id}/changeIdentifier?source=&accountId=` with `add` / "
            "`remove` lists of `{type, value}`. Answers `{success, warnings}`. A new "
            "identifier held by another customer in the same source/account: 8007 (chosen "
            "over 8008), nothing written. Held by one customer in another source: this "
            "customer is merged into that one (profiles, identifiers, enrollments, requests, "
            "subscriptions move), warning 8051 naming the survivor; refused with 8066 when "
            "that customer already has a profile in this source/account. Held by several "
            "other customers: nothing merges and those identifiers are not taken (warning 8053 "
            "naming them), the rest of the change is made. Already held by this profile: "
            "warning 8071 (mobile) / 8072 (email) / 8073 (externalId), nothing changes. A "
            "mobile or email replaced (removed and another added in one call) moves the "
            "customer's channels of the old value to the new one, unverified. Codes: "
            f"{_WRITE_SOURCE_CODES}, 8009 unknown customer (the seed's code here), 8067 "
            "customer already merged (refused, naming the survivor), "
            "618 fraud, 8013 unknown identifier type, 8056/8055/8064 (warnings) invalid "
            "mobile/e-mail/externalId skipped, 8070 (warning) nothing to change or an "
            "identifier to remove not found."
        ),
        parameters=_SOURCE_PARAMS,
        request=ChangeIdentifierBody,
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "change", value=_sample("change-identifier.request.json"), request_only=True
            ),
            OpenApiExample(
                "changed", value=_sample("change-identifier.response.json"), response_only=True
            ),
        ],
    )
    def post(self, request, customer_id: str):
        query = _query(SOURCE_QUERY, request)
        body = ChangeIdentifierBody(data=_body(request))
        body.is_valid(raise_exception=True)
        command = parsers.change_identifiers_command(
            customer_id=customer_id,
            source=query.get("source"),
            account_id=query.get("accountId"),
            add=body.validated_data.get("add", []),
            remove=body.validated_data.get("remove", []),
        )
        result = services.customer_change_identifiers(command=command, actor=request.user)
        return Response({"success": True, "warnings": list(result.warnings)})
