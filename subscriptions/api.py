"""`/v2/customers/{id}/subscriptions`: GET and POST as the seed documents them, plus the log."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import Warnings
from config.input_guard import InputRules
from config.pagination import page_from_params, paginated_response
from customers.selectors import customer_resolve
from subscriptions.models import ChangeSource, Channel, Priority, SubscriptionStatus
from subscriptions.parsers import subscription_request_parse
from subscriptions.selectors import (
    subscription_log,
    subscription_log_count,
    subscription_state,
)
from subscriptions.services import subscription_update

CHANNELS_DOC = (
    "Channels: `EMAIL`, `SMS`, `ANDROID`, `IOS`, `WECHAT`, `LINE`, `MOBILE_PUSH` (case-insensitive; "
    "`mobilePush` is accepted too). **`MOBILE` and `SMS` are one channel**: the seed's "
    "request says `MOBILE` and its responses say `SMS`, so both are accepted on input, the "
    "choice is stored as `SMS`, and answers always say `SMS`."
)
DEFAULTS_DOC = (
    "A channel with no recorded choice answers the org's default for its priority "
    "(admin: *Subscription settings*): `TRANS` defaults to `OPTIN`; `BULK` defaults to "
    "`OPTOUT`, so registering or updating a customer with `commChannels` never opts them "
    "in to campaigns silently (an org may set the BULK default to `OPTIN`, which gives the "
    "seed's all-OPTIN samples). The listed channels (default `EMAIL`, `SMS`) always appear, "
    "`TRANS` first then `BULK`; a choice recorded for an `accountId` appears as its own "
    "item carrying `accountId`."
)
MERGE_DOC = (
    "A merge victim's id answers its survivor's subscriptions with warnings 8069 and 91009 "
    "(and a POST records the choice on the survivor)."
)


class SubscriptionItemSchema(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[*Channel.values, "MOBILE"])
    accountId = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.values)
    type = serializers.ChoiceField(choices=SubscriptionStatus.values)


class SubscriptionScopeSchema(serializers.Serializer):
    scope = serializers.CharField(default="USER")
    subScope = serializers.CharField(default="NONE")


class SubscriptionUpdateRequestSchema(serializers.Serializer):
    """Documentation only: the body is parsed by `subscription_request_parse` (its codes)."""

    communicationId = serializers.IntegerField(
        required=False, default=-1, min_value=-1, max_value=2**63 - 1
    )
    campaignId = serializers.IntegerField(
        required=False, default=-1, min_value=-1, max_value=2**63 - 1
    )
    reason = serializers.CharField(required=False, allow_blank=True)
    scope = SubscriptionScopeSchema(required=False)
    subscriptions = SubscriptionItemSchema(many=True)


class SubscriptionUpdateResponseSchema(serializers.Serializer):
    scope = serializers.DictField()
    subscriptions = SubscriptionItemSchema(many=True)
    campaignId = serializers.IntegerField()
    communicationId = serializers.IntegerField()
    reason = serializers.CharField()
    warnings = serializers.ListField(child=serializers.DictField())


class SubscriptionStateResponseSchema(serializers.Serializer):
    subscriptions = SubscriptionItemSchema(many=True)
    campaignId = serializers.IntegerField()
    communicationId = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.DictField())


class SubscriptionLogEntrySchema(serializers.Serializer):
    channel = serializers.CharField()
    priority = serializers.CharField()
    accountId = serializers.CharField()
    type = serializers.CharField()
    previousType = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    campaignId = serializers.IntegerField(allow_null=True)
    communicationId = serializers.IntegerField(allow_null=True)
    scope = serializers.CharField()
    subScope = serializers.CharField()
    source = serializers.ChoiceField(choices=ChangeSource.values)  # type: ignore[assignment]  # a field
    changedBy = serializers.CharField()
    changedOn = serializers.DateTimeField()
    note = serializers.CharField()


class PaginationSchema(serializers.Serializer):
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    total = serializers.IntegerField()


class SubscriptionLogResponseSchema(serializers.Serializer):
    pagination = PaginationSchema()
    data = SubscriptionLogEntrySchema(many=True)  # type: ignore[assignment]  # a schema field
    warnings = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]  # same


# The seed echoes the scope as its Thrift-style struct.
SCOPE_ECHO_FLAGS = {
    "setCreatedOn": False,
    "setPriority": False,
    "setScopeId": False,
    "setScope": True,
    "setSubScope": True,
}


# The codes the seeds give an invalid entry field or message id; 400 with the field's path
# for the rest (the reason); at most 100 entries (7 channels x 2 priorities x accounts).
SUBSCRIPTION_INPUT = InputRules(
    field_codes={
        "subscriptions[].channel": 1101,
        "subscriptions[].priority": 1102,
        "subscriptions[].type": 1106,
        "scope.scope": 1103,
        "scope.subScope": 1103,
        "campaignId": 1107,
        "communicationId": 1108,
    },
    max_items={"subscriptions": 100},
)


class CustomerSubscriptionsView(APIView):
    input_rules = SUBSCRIPTION_INPUT

    @extend_schema(
        operation_id="customer_subscriptions_get",
        summary="Retrieve subscription details",
        description=(
            "Current opt-in / opt-out status of the customer per channel and priority. "
            f"{CHANNELS_DOC}\n\n{DEFAULTS_DOC}\n\n{MERGE_DOC}\n\n"
            "Errors: 816 customer not found (also for a non-numeric id)."
        ),
        responses={200: SubscriptionStateResponseSchema},
        tags=["subscriptions"],
    )
    def get(self, request, customer_id: str):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        states = subscription_state(customer_id=customer.pk)
        return Response(
            {
                "subscriptions": [state.as_item() for state in states],
                "campaignId": 0,
                "communicationId": 0,
                "warnings": list(warnings),
            }
        )

    @extend_schema(
        operation_id="customer_subscriptions_update",
        summary="Update subscription details",
        description=(
            "Opt the customer in or out of TRANS (transactional) and BULK (campaign) "
            "messages on several channels in one call: all of the changes are recorded, or "
            "none. Each change is logged with the reason, campaign id, communication "
            "(outbox) id, scope and the calling till. "
            f"{CHANNELS_DOC}\n\n"
            "The answer echoes the request: `subscriptions` lists every entry sent (channel "
            "normalised, e.g. `MOBILE` → `SMS`; an entry repeated identically is listed "
            "once), `campaignId` / `communicationId` / `reason` as sent (-1 when absent). "
            "(The seed's sample response drops one of the four entries and changes the "
            "reason; we echo what was recorded.) `scope` accepts `USER` / `NONE`.\n\n"
            f"{MERGE_DOC}\n\n"
            "Errors (HTTP 400 unless said): 1103 invalid scope; 1105 more than one scope; "
            "1107 invalid campaignId (not an integer from -1 to 2^63-1); 1108 invalid "
            "communicationId (the same rule); "
            "1101 invalid channel, 1102 invalid priority, 1106 invalid type (status) of an "
            "entry of `subscriptions`, each followed by **1110** (*Unable to update "
            "subscription details*) because the whole update is refused; 1110 alone when "
            "`subscriptions` is missing or empty or names the same channel, priority and "
            "account twice with different types; 816 (404) customer not found; 618 (403) "
            "customer marked as fraud; 403 a staff user without "
            "`subscriptions.change_subscription` (reading needs `view_subscription`). Every "
            "refused request writes nothing."
        ),
        request=SubscriptionUpdateRequestSchema,
        responses={200: SubscriptionUpdateResponseSchema},
        examples=[
            OpenApiExample(
                "Seed sample",
                request_only=True,
                value={
                    "communicationId": -1,
                    "campaignId": -1,
                    "reason": "Example reason",
                    "scope": {"scope": "USER", "subScope": "NONE"},
                    "subscriptions": [
                        {"channel": "EMAIL", "accountId": "", "priority": "BULK", "type": "OPTOUT"},
                        {
                            "channel": "MOBILE",
                            "accountId": "",
                            "priority": "BULK",
                            "type": "OPTOUT",
                        },
                    ],
                },
            )
        ],
        tags=["subscriptions"],
    )
    def post(self, request, customer_id: str):
        subscription_request = subscription_request_parse(payload=request.data)
        result = subscription_update(
            customer_id=customer_id,
            changes=subscription_request.changes,
            actor=request.user,
            reason=subscription_request.reason,
            campaign_id=subscription_request.campaign_id,
            communication_id=subscription_request.communication_id,
            scope=subscription_request.scope,
            sub_scope=subscription_request.sub_scope,
        )
        return Response(
            {
                "scope": {
                    "scopeId": 0,
                    "scope": subscription_request.scope,
                    "subScope": subscription_request.sub_scope,
                    **SCOPE_ECHO_FLAGS,
                },
                "subscriptions": [change.as_item() for change in result.changes],
                "campaignId": subscription_request.campaign_id,
                "communicationId": subscription_request.communication_id,
                "reason": subscription_request.reason,
                "warnings": list(result.warnings),
            }
        )


class CustomerSubscriptionLogView(APIView):
    input_rules = SUBSCRIPTION_INPUT

    @extend_schema(
        operation_id="customer_subscriptions_log",
        summary="Subscription change log (project extension)",
        description=(
            "Every recorded choice of the customer, newest first: channel, priority, "
            "account, the new and previous status, reason, campaign and communication ids, "
            "scope, who (till or staff user), when, and through what (API, ADMIN, MERGE). "
            "Paginated with `limit` (default 10, max 100) and `offset`. "
            "Errors: 816 customer not found; 8100 / 8101 / 8102 bad offset / limit."
        ),
        parameters=[
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: SubscriptionLogResponseSchema},
        tags=["subscriptions"],
    )
    def get(self, request, customer_id: str):
        page = page_from_params(request.query_params)
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        entries = subscription_log(customer_id=customer.pk, limit=page.stop)[page.offset :]
        return paginated_response(
            [
                {
                    "channel": entry.channel,
                    "priority": entry.priority,
                    "accountId": entry.account_id,
                    "type": entry.status,
                    "previousType": entry.previous_status or None,
                    "reason": entry.reason,
                    "campaignId": entry.campaign_id,
                    "communicationId": entry.communication_id,
                    "scope": entry.scope,
                    "subScope": entry.sub_scope,
                    "source": entry.source,
                    "changedBy": entry.actor_label,
                    "changedOn": entry.changed_at.isoformat(),
                    "note": entry.note,
                }
                for entry in entries
            ],
            page=page,
            total=subscription_log_count(customer_id=customer.pk),
            warnings=warnings,
        )
