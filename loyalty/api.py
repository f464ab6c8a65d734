"""Loyalty endpoints: loyalty details, points transfers, coupons, bills and the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.codes import Code
from config.errors import DomainError, Warnings
from config.input_guard import InputRules
from config.pagination import page_from_params, paginated_response
from config.rows import BIGINT_MAX, INTEGER_MAX  # column bounds: a 4xx, not a database error
from customers.models import Customer, Store, Till
from customers.normalise import identifier_type
from customers.selectors import customer_get, customer_resolve
from loyalty import selectors, services
from loyalty.filters import LedgerFilterSet, LoyaltyDetailsFilterSet
from loyalty.models import Program, TransactionType
from loyalty.models import Transaction as Bill

MERGE_DOC = (
    " A merge victim's id answers its survivor's data with warnings 8069 and 91009. "
    "Unknown customer: 816."
)


def _program_id(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        program_id = int(raw)
    except (TypeError, ValueError):
        raise DomainError(Code.PROGRAM_NOT_CONFIGURED) from None
    if not 0 < program_id <= INTEGER_MAX:
        raise DomainError(Code.PROGRAM_NOT_CONFIGURED)
    return program_id


def _points(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- Loyalty details ------------------------------------------------------------------


class LoyaltyDetailsView(APIView):
    @extend_schema(
        summary="Loyalty details of a customer in every program (or one)",
        description=(
            "`data` holds one item per program the customer is enrolled in, in the seed's "
            "shape (figures, `currentSlab`, `nextSlab`, `slabSNo`, `programId`). `programId` "
            "narrows it to one program; an unknown program answers 895, a program the "
            "customer is not enrolled in answers an empty `data`." + MERGE_DOC
        ),
        parameters=[OpenApiParameter("programId", int, required=False)],
        responses={200: dict},
    )
    def get(self, request, customer_id: int):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        program_id = LoyaltyDetailsFilterSet(request.query_params).cleaned()["programId"]
        if program_id is not None and not Program.objects.filter(pk=program_id).exists():
            raise DomainError(Code.PROGRAM_NOT_CONFIGURED)
        data = selectors.program_details(customer=customer, program_id=program_id)
        return Response({"data": data, "warnings": list(warnings), "errors": []})


# --- Points transfers -----------------------------------------------------------------


def transfer_item(transfer, customer: Customer) -> dict:
    outgoing = transfer.from_customer_id == customer.pk
    return {
        "pointsTransferDate": timezone.localtime(transfer.transferred_at).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "pointsTransferred": float(transfer.points),
        "transferId": transfer.pk,
        "transferType": "DEDUCTION" if outgoing else "ADDITION",
        "transferredFrom": selectors.customer_names(transfer.from_customer),
        "transferredTo": selectors.customer_names(transfer.to_customer),
        "notes": transfer.notes,
        "programName": transfer.program.name,
    }


class PointsTransfersView(APIView):
    @extend_schema(
        summary="Points transfer summary of a customer",
        description=(
            "Transfers from the customer (`DEDUCTION`) and to the customer (`ADDITION`), "
            "newest first; `limit` (default 100, at most 100) and `offset` page it." + MERGE_DOC
        ),
        parameters=[
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: int):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params, default_limit=100)
        transfers = selectors.points_transfers_of(
            customer=customer, limit=page.limit, offset=page.offset
        )
        return Response(
            {
                "data": [transfer_item(transfer, customer) for transfer in transfers],
                "warnings": list(warnings),
                "errors": [],
            }
        )


class PointsTransferInput(serializers.Serializer):
    fromUserId = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    toUserId = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    # Read as sent: the service checks the points (801) and `_program_id` the program
    # (895), so they answer the transfer codes rather than a generic 400.
    points = serializers.JSONField()
    programId = serializers.JSONField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class PointsTransferView(APIView):
    # Points and program are bounded by the transfer's own codes (801, 895).
    input_rules = InputRules(bounded_numbers=frozenset({"points", "programId"}))

    @extend_schema(
        summary="Transfer points from one customer to another",
        description=(
            "Moves `points` from `fromUserId`'s enrollment to `toUserId`'s in `programId` "
            "(default: the default program); the receiver is enrolled when needed. A merge "
            "victim's id on either side stands for its survivor: the transfer is made from "
            "(or to) the survivor, with warning 8069 (a victim holds no points; they moved "
            "with the merge), and 9206 when both ids then name the same customer. Answers "
            '`{"transferId": N, "warnings": [], "errors": []}`. Codes: 816 unknown customer, '
            "804 more points than available (nothing is written), 801 invalid points (not a "
            "positive number with at most two decimal places, or above 999999999999.99), "
            "400 `fromUserId` / `toUserId` not a positive 64-bit integer, "
            "618 a fraud-marked customer, 881 sender not enrolled or receiver not a loyalty "
            "customer, 895 unknown program, 9206 transfer to the same customer."
        ),
        request=PointsTransferInput,
        responses={200: dict},
    )
    def post(self, request):
        serializer = PointsTransferInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        from_customer = customer_get(customer_id=data["fromUserId"])
        to_customer = customer_get(customer_id=data["toUserId"])
        program_id = _program_id(data.get("programId"))
        if program_id is not None:
            program = Program.objects.filter(pk=program_id, is_active=True).first()
        else:
            program = services.program_default()
        if program is None:
            raise DomainError(Code.PROGRAM_NOT_CONFIGURED)
        warnings = Warnings()
        transfer = services.points_transfer(
            from_customer=from_customer,
            to_customer=to_customer,
            program=program,
            points=data["points"],
            notes=data["notes"],
            actor=request.user,
            warnings=warnings,
        )
        return Response({"transferId": transfer.pk, "warnings": list(warnings), "errors": []})


# --- Coupons --------------------------------------------------------------------------


def coupon_item(coupon) -> dict:
    item = services.coupon_side_effect(coupon)
    del item["type"]
    item.update(
        {
            "seriesId": coupon.series_id,
            "issuedDate": selectors._datetime(coupon.issued_at),
            "redeemed": coupon.redeemed_at is not None,
            "redeemedDate": selectors._datetime(coupon.redeemed_at),
        }
    )
    return item


class CustomerCouponsView(APIView):
    @extend_schema(
        summary="Coupon history of a customer",
        description=(
            "Coupons issued to the customer, newest first, each with `id`, `couponCode`, "
            "`couponType`, `seriesId`, `description`, `discountCode`, `issuedDate`, "
            "`validTill`, `redeemed`, `redeemedDate`; `limit`/`offset` pagination." + MERGE_DOC
        ),
        parameters=[
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: int):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params)
        coupons = selectors.coupons_of(customer=customer)
        total = coupons.count()
        rows = coupons[page.offset : page.stop]
        return paginated_response(
            [coupon_item(coupon) for coupon in rows], page=page, total=total, warnings=warnings
        )


# --- Transactions ---------------------------------------------------------------------


def bill_item(bill: Bill) -> dict:
    return {
        "id": bill.pk,
        "billNumber": bill.number,
        "type": bill.type,
        "billAmount": _points(bill.amount),
        "billingTime": selectors._datetime(bill.billed_at),
        "storeCode": bill.store.code,
        "tillCode": bill.till.code if bill.till is not None else None,
        "lineItemsCount": bill.line_count,
        "originalBillId": bill.original_id,
        "notes": bill.notes,
    }


class TransactionInput(serializers.Serializer):
    type = serializers.CharField(default=TransactionType.REGULAR)
    billNumber = serializers.CharField(max_length=64, allow_blank=True)
    billAmount = serializers.DecimalField(max_digits=14, decimal_places=2)
    billingTime = serializers.DateTimeField(required=False)
    userId = serializers.IntegerField(required=False, max_value=BIGINT_MAX)
    identifierType = serializers.CharField(required=False)
    identifierValue = serializers.CharField(required=False)
    source = serializers.CharField(required=False)  # type: ignore[assignment]  # a body field
    accountId = serializers.CharField(required=False, allow_blank=True)
    storeCode = serializers.CharField(required=False)
    lineItemsCount = serializers.IntegerField(
        required=False, min_value=0, max_value=INTEGER_MAX, default=0
    )
    lineItems = serializers.ListField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def to_internal_value(self, data):
        # Wrong amounts and dates answer the transaction codes, not a generic 400.
        if isinstance(data, dict):
            raw_amount = data.get("billAmount")
            if isinstance(raw_amount, bool):
                raise DomainError(Code.TRANSACTION_AMOUNT_INVALID)
            try:
                amount = Decimal(str(raw_amount))
            except ArithmeticError:
                raise DomainError(Code.TRANSACTION_AMOUNT_INVALID) from None
            # The column: DecimalField(max_digits=14, decimal_places=2), never rounded.
            if (
                not amount.is_finite()
                or abs(amount) >= Decimal("1e12")
                or amount != amount.quantize(Decimal("0.01"))
            ):
                raise DomainError(Code.TRANSACTION_AMOUNT_INVALID)
            if data.get("billingTime") not in (None, ""):
                try:
                    serializers.DateTimeField().to_internal_value(data["billingTime"])
                except serializers.ValidationError:
                    raise DomainError(Code.TRANSACTION_DATE_INVALID) from None
        return super().to_internal_value(data)


def _identified_customer(data: dict) -> Customer | None:
    """The bill's customer by `userId`, or by `identifierType`/`identifierValue`
    (optionally in `source`/`accountId`); 611 when none matches."""
    customer: Customer | None
    if data.get("userId") is not None:
        try:
            customer = customer_get(customer_id=data["userId"])
        except DomainError:
            raise DomainError(Code.TRANSACTION_CUSTOMER_NOT_FOUND) from None
    elif data.get("identifierType") and data.get("identifierValue"):
        # The selector reads the value as registration stored it ("9512450827" is
        # 919512450827); an unknown type or an invalid value finds no one.
        type_ = identifier_type(data["identifierType"])
        if type_ is None:
            raise DomainError(Code.TRANSACTION_CUSTOMER_NOT_FOUND)
        customer = selectors.customer_by_identifier(
            identifier_type=type_,
            value=data["identifierValue"],
            source=data.get("source"),
            account_id=data.get("accountId"),
        )
        if customer is None:
            raise DomainError(Code.TRANSACTION_CUSTOMER_NOT_FOUND)
    else:
        return None
    return customer  # a merge victim's bill goes to its survivor (bill_add, warning 8069)


def _store_of(request, data: dict) -> tuple[Store, Till | None]:
    actor = request.user
    if isinstance(actor, Till):
        return actor.store, actor
    store = Store.objects.filter(code=data.get("storeCode") or "").first()
    if store is None:
        raise DomainError(Code.STORE_OR_TILL_INVALID)
    return store, None


class TransactionsView(APIView):
    # Malformed text or numbers in these fields answer their documented codes.
    input_rules = InputRules(field_codes={"billNumber": 602, "billAmount": 601, "type": 605})

    @extend_schema(
        summary="Add a bill (REGULAR, NOT_INTERESTED or RETURN)",
        description=(
            "Body: `type` (`REGULAR` default, `NOT_INTERESTED`, `RETURN`), `billNumber`, "
            "`billAmount`, `billingTime` (ISO 8601, default now), `lineItemsCount` (or "
            "`lineItems`, counted), `notes`, and for REGULAR the customer by `userId` or by "
            "`identifierType`/`identifierValue` (optionally `source`, `accountId`). The store "
            "and till are the calling till's (a staff caller passes `storeCode`). A REGULAR "
            "bill of a loyalty customer earns points in the default program; a RETURN names "
            "the original `billNumber` of this store and reverses the points in proportion "
            "to `billAmount` (capped at the current balance). A NOT_INTERESTED bill has no "
            "customer and can later be claimed by a retro request. A merge victim's "
            "`userId` books the bill to its survivor, with warning 8069. Answers "
            '`{"createdId": N, "warnings": [], "sideEffects": [{"awardedPoints": P, '
            '"type": "points"}]}` (points reversed by a return are negative). Codes: 601 '
            "invalid amount (not a number, negative, more than two decimal places, or "
            "1000000000000 and above), 400 `lineItemsCount` not a whole number from 0 to "
            "2147483647, `userId` above 2^63-1 or `notes` longer than 200 characters, 602 "
            "empty bill number, 604 duplicate bill number, 605 invalid "
            "type, 606 no customer for a REGULAR bill, 611 customer not found, 618 "
            "fraud-marked customer, 621 invalid date, 643 date too far in the future, 624 "
            "return of a non-REGULAR bill, 625 original bill not found, 630 return amount "
            "more than left, 633 bill already fully returned, 671 unknown store."
        ),
        request=TransactionInput,
        responses={200: dict},
    )
    def post(self, request):
        serializer = TransactionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bill_type = str(data["type"]).upper()
        if bill_type not in TransactionType.values:
            raise DomainError(Code.TRANSACTION_TYPE_UNSUPPORTED)
        amount = data["billAmount"]
        if amount < 0:
            raise DomainError(Code.TRANSACTION_AMOUNT_INVALID)
        billed_at = data.get("billingTime")
        if billed_at is not None and billed_at > timezone.now() + timedelta(days=1):
            raise DomainError(Code.TRANSACTION_DATE_TOO_FAR)
        store, till = _store_of(request, data)
        line_count = data["lineItemsCount"] or len(data.get("lineItems") or [])
        if bill_type == TransactionType.RETURN:
            original = (
                Bill.objects.filter(store=store, number=data["billNumber"].strip())
                .exclude(type=TransactionType.RETURN)
                .first()
            )
            if original is None:
                raise DomainError(Code.TRANSACTION_NOT_FOUND)
            result = services.bill_return(
                original=original,
                amount=amount,
                actor=request.user,
                till=till,
                billed_at=billed_at,
                notes=data["notes"],
            )
        else:
            customer = None
            if bill_type == TransactionType.REGULAR:
                customer = _identified_customer(data)
                if customer is None:
                    raise DomainError(Code.TRANSACTION_CUSTOMER_MISSING)
            result = services.bill_add(
                store=store,
                till=till,
                number=data["billNumber"],
                amount=amount,
                bill_type=bill_type,
                customer=customer,
                billed_at=billed_at,
                line_count=line_count,
                notes=data["notes"],
                actor=request.user,
            )
        side_effects = []
        if result.ledger_entry is not None:
            side_effects.append(
                {"awardedPoints": _points(result.ledger_entry.points), "type": "points"}
            )
        return Response(
            {
                "createdId": result.bill.pk,
                "warnings": list(result.warnings),
                "sideEffects": side_effects,
            }
        )


class CustomerTransactionsView(APIView):
    @extend_schema(
        summary="Bills of a customer",
        description=(
            "The customer's bills (REGULAR, RETURN, and retro-claimed ones), newest first, "
            "with `limit`/`offset` pagination." + MERGE_DOC
        ),
        parameters=[
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: int):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params)
        bills = selectors.bills_of(customer=customer)
        total = bills.count()
        rows = bills[page.offset : page.stop]
        return paginated_response(
            [bill_item(bill) for bill in rows], page=page, total=total, warnings=warnings
        )


# --- Ledger ---------------------------------------------------------------------------


def ledger_item(entry) -> dict:
    if entry.actor_till_id:
        actor = {"type": "till", "code": entry.actor_till.code}
    elif entry.actor_user_id:
        actor = {"type": "user", "username": entry.actor_user.get_username()}
    else:
        actor = {"type": "system"}
    return {
        "id": entry.pk,
        "programId": entry.program_id,
        "kind": entry.kind,
        "points": _points(entry.points),
        "purchaseAmount": _points(entry.purchase_amount),
        "expiryDate": selectors._datetime(entry.expiry_date),
        "reason": entry.reason,
        "createdAt": selectors._datetime(entry.created_at),
        "actor": actor,
        "billId": entry.bill_id,
        "billNumber": entry.bill.number if entry.bill_id else None,
        "transferId": entry.transfer_id,
        "requestId": entry.source_request_id,
    }


class CustomerLedgerView(APIView):
    @extend_schema(
        summary="Points ledger of a customer, newest first",
        description=(
            "Every points movement (kind, signed points, expiry, reason, who, and the bill, "
            "transfer or request behind it), newest first. Cursor pagination: `limit` "
            "(default 20, at most 100) and the opaque `cursor` from the previous page's "
            "`nextCursor` (null on the last page); `programId` narrows to one program. "
            "Codes: 9205 invalid cursor, 8101/8102 invalid limit." + MERGE_DOC
        ),
        parameters=[
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("programId", int, required=False),
        ],
        responses={200: dict},
    )
    def get(self, request, customer_id: int):
        warnings = Warnings()
        customer = customer_resolve(customer_id=customer_id, warnings=warnings)
        page = page_from_params(request.query_params, default_limit=20)
        filters = LedgerFilterSet(request.query_params).cleaned()
        entries, next_cursor = selectors.ledger_page(
            customer=customer,
            limit=page.limit,
            cursor=filters["cursor"],
            program_id=filters["programId"],
        )
        return Response(
            {
                "data": [ledger_item(entry) for entry in entries],
                "nextCursor": next_cursor,
                "warnings": list(warnings),
                "errors": [],
            }
        )


__all__ = [
    "CustomerCouponsView",
    "CustomerLedgerView",
    "CustomerTransactionsView",
    "LoyaltyDetailsView",
    "PointsTransferView",
    "PointsTransfersView",
    "TransactionsView",
]
