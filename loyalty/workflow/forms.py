"""The forms that raise requests from the staff single view, one per kind (`RAISE_KINDS`):
each builds the `RaiseRequest` the API's parser would (`RaiseForm.command`), without JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict, cast

from django import forms
from django.urls import reverse

from config.errors import DomainError
from customers import console_display
from customers.models import (
    MULTI_ACCOUNT_SOURCES,
    Customer,
    Identifier,
    Source,
    SourceAccount,
    SourceProfile,
    Store,
)
from loyalty.models import (
    CouponSeries,
    Enrollment,
    Program,
    Request,
    RequestBaseType,
    RequestStatus,
    RequestType,
)
from loyalty.workflow import parsers, rules
from loyalty.workflow.commands import (
    Erasure,
    GoodwillCoupon,
    GoodwillPoints,
    IdentifierChange,
    MergeInto,
    MobileReallocation,
    RaiseRequest,
    RequestDetails,
    RetroClaim,
)
from loyalty.workflow.console import (
    error_text,
    may,
)


def _reason_field(request_type: str, base_type: str) -> forms.Field:
    config = rules.request_type_config(request_type=request_type, base_type=base_type)
    if config.allowed_reasons:
        choices = [(reason, reason) for reason in config.allowed_reasons]
        return forms.ChoiceField(choices=choices, help_text="From the configured list.")
    return forms.CharField(max_length=200, required=False)


class RaiseForm(forms.Form):
    request_type = ""
    fixed_base_type = ""

    def __init__(self, *args, customer: Customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.user = user
        if self.fixed_base_type:
            self.fields["reason"] = _reason_field(self.request_type, self.fixed_base_type)
        else:
            self.fields["reason"] = forms.CharField(max_length=200, required=False)
        self.fields["comments"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}), required=False
        )

    def base_type(self) -> str:
        return self.fixed_base_type

    def details(self) -> RequestDetails:
        raise NotImplementedError

    def command(self) -> RaiseRequest:
        """The request the form raises (its details may refuse: an identifier that does
        not normalise answers the base type's code, as on the API)."""
        return RaiseRequest(
            request_type=self.request_type,
            base_type=self.base_type(),
            details=self.details(),
            reason=self.cleaned_data.get("reason", ""),
            comments=self.cleaned_data.get("comments", ""),
        )

    def message_context(self) -> dict:
        """What the console's wording of a refusal may name (`config.codes.STAFF_MESSAGES_ON`)."""
        return {}

    def preview(self) -> dict | None:
        """What the request would do, shown before it is raised; None: raised at once."""
        return None

    def confirmed(self) -> bool:
        return True


def profile_label(profile: SourceProfile) -> str:
    if profile.account is not None:
        return profile_label_of(profile.account)
    return profile.source


def profile_label_of(account: SourceAccount) -> str:
    return f"{account.source} · account {account.account_id}"


class GoodwillPointsForm(RaiseForm):
    request_type = RequestType.GOODWILL
    fixed_base_type = RequestBaseType.POINTS
    program = forms.ChoiceField()
    points = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        enrolled = Enrollment.objects.filter(customer=self.customer).values("program_id")
        programs = Program.objects.filter(is_active=True, pk__in=enrolled).order_by(
            "-is_default", "pk"
        )
        self.fields["program"].choices = [(p.pk, f"{p.pk} {p.name}") for p in programs]

    def details(self) -> GoodwillPoints:
        return GoodwillPoints(
            points=self.cleaned_data["points"], program_id=int(self.cleaned_data["program"])
        )


class GoodwillCouponForm(RaiseForm):
    request_type = RequestType.GOODWILL
    fixed_base_type = RequestBaseType.COUPON
    series = forms.ModelChoiceField(queryset=CouponSeries.objects.filter(is_active=True))

    def details(self) -> GoodwillCoupon:
        return GoodwillCoupon(series_id=self.cleaned_data["series"].pk)


class RetroForm(RaiseForm):
    request_type = RequestType.TRANSACTION_UPDATE
    fixed_base_type = RequestBaseType.RETRO
    bill_number = forms.CharField(max_length=64, help_text="The not-interested bill's number.")
    store = forms.ModelChoiceField(queryset=Store.objects.filter(is_active=True).order_by("code"))
    bill_date = forms.DateField(help_text="YYYY-MM-DD, as printed on the bill.")

    def details(self) -> RetroClaim:
        return RetroClaim(
            bill_number=self.cleaned_data["bill_number"].strip(),
            store_code=self.cleaned_data["store"].code,
            bill_date=self.cleaned_data["bill_date"].isoformat(),
        )


class IdentifierChangeForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    identifier = forms.ChoiceField(
        choices=[
            (RequestBaseType.MOBILE, "Mobile"),
            (RequestBaseType.EMAIL, "E-mail"),
            (RequestBaseType.EXTERNAL_ID, "External id"),
        ]
    )
    profile = forms.TypedChoiceField(
        coerce=int,
        label="Profile",
        help_text="The customer's source profile (and account) that holds the old value.",
    )
    old_value = forms.CharField(max_length=200)
    new_value = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profiles = {
            profile.pk: profile
            for profile in SourceProfile.objects.filter(customer=self.customer)
            .select_related("account")
            .order_by("pk")
        }
        self.fields["profile"].choices = [
            (pk, profile_label(profile)) for pk, profile in self.profiles.items()
        ]
        self.fields["profile"].initial = next(iter(self.profiles), None)

    def base_type(self) -> str:
        return self.cleaned_data["identifier"]

    def details(self) -> IdentifierChange:
        profile = self.profiles[self.cleaned_data["profile"]]
        return parsers.identifier_change(
            parsers.IDENTIFIER_TYPE_OF[self.base_type()],
            self.cleaned_data["old_value"],
            self.cleaned_data["new_value"],
            source=profile.source,
            account_id=profile.account.account_id if profile.account_id else "",
        )


class MergeForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    fixed_base_type = RequestBaseType.MERGE
    victim_id = forms.IntegerField(
        label="User id of the duplicate",
        min_value=1,
        help_text="The duplicate is merged into this customer, which survives: its profiles, "
        "points, subscriptions and requests move here, and it points here afterwards.",
    )
    # The id whose preview was shown: confirming raises this pair, nothing else.
    previewed_victim_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_victim_id(self) -> int:
        """The refusals a preview can already tell (the service checks them all again)."""
        victim_id = self.cleaned_data["victim_id"]
        try:
            rules.merge_request_check(survivor=self.customer, victim_id=victim_id)
        except DomainError as refusal:
            raise forms.ValidationError(error_text(refusal, "merge", victim=victim_id)) from None
        return victim_id

    def message_context(self) -> dict:
        return {"victim": self.cleaned_data.get("victim_id")}

    def confirmed(self) -> bool:
        return "confirm" in self.data and self.cleaned_data["previewed_victim_id"] == str(
            self.cleaned_data["victim_id"]
        )

    def details(self) -> MergeInto:
        return MergeInto(victim_id=self.cleaned_data["victim_id"], survivor_id=self.customer.pk)

    def preview(self) -> dict:
        """What would move (read-only; the service checks again when it is decided). The
        id is fixed from here on: the page carries it as the previewed one."""
        victim_id = self.cleaned_data["victim_id"]
        data = cast(Any, self.data).copy()  # a QueryDict: immutable, copied to change
        data["previewed_victim_id"] = str(victim_id)
        self.data = data
        self.fields["victim_id"].widget.attrs["readonly"] = True
        can_view_pii = self.user.has_perm(console_display.PII_PERMISSION)
        profiles = list(SourceProfile.objects.filter(customer_id=victim_id).order_by("pk"))
        identifiers = list(Identifier.objects.filter(customer_id=victim_id).order_by("type", "pk"))
        survivor_profiles = list(self.customer.profiles.order_by("pk"))
        return {
            "confirm_label": f"Raise the request: merge {victim_id} into {self.customer.pk}",
            "survivor_id": self.customer.pk,
            "survivor_name": console_display.display_name(survivor_profiles),
            "victim_id": victim_id,
            "victim_name": console_display.display_name(profiles),
            "profiles": profiles,
            "identifiers": console_display.identifier_rows(
                identifiers,
                can_view_pii=can_view_pii,
                types=tuple(identifier.type for identifier in identifiers),
            ),
            "enrollments": list(
                Enrollment.objects.filter(customer_id=victim_id).select_related("program")
            ),
            "pending_requests": Request.objects.filter(
                customer_id=victim_id, status=RequestStatus.PENDING
            ).count(),
        }


class MobileReallocForm(RaiseForm):
    request_type = RequestType.CHANGE_IDENTIFIER
    fixed_base_type = RequestBaseType.MOBILE_REALLOC
    mobile = forms.CharField(max_length=32)
    from_customer_id = forms.IntegerField(help_text="The user id that holds the mobile now.")
    source = forms.ChoiceField(
        help_text="Where the holder has the mobile: a source, or a source's account."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every configured place a mobile can be held: single-account sources, and each
        # account of the multi-account ones (which the service needs as `accountId`).
        accounts = SourceAccount.objects.filter(is_active=True).order_by("source", "account_id")
        self.fields["source"].choices = [
            (source, source) for source in Source.values if source not in MULTI_ACCOUNT_SOURCES
        ] + [
            (f"{account.source}|{account.account_id}", profile_label_of(account))
            for account in accounts
        ]
        self.fields["source"].initial = Source.INSTORE

    def _source_and_account(self) -> tuple[str, str]:
        source, _, account_id = self.cleaned_data.get("source", "").partition("|")
        return source, account_id

    def message_context(self) -> dict:
        source, account_id = self._source_and_account()
        return {
            "from_customer": self.cleaned_data.get("from_customer_id"),
            "source": f"{source} account {account_id}" if account_id else source,
        }

    def details(self) -> MobileReallocation:
        source, account_id = self._source_and_account()
        return parsers.mobile_reallocation(
            self.cleaned_data["mobile"],
            from_customer_id=self.cleaned_data["from_customer_id"],
            to_customer_id=self.customer.pk,
            source=source,
            account_id=account_id,
        )


class ErasureForm(RaiseForm):
    request_type = RequestType.ERASURE
    fixed_base_type = RequestBaseType.ERASE
    understood = forms.BooleanField(
        label="Names, identifiers, channels and fields are erased for good",
        help_text="Points, bills and the customer id stay, no longer linked to a person. "
        "A second person approves the request; it cannot be undone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            max_length=200, help_text="Why, e.g. the reference of the customer's request."
        )

    def details(self) -> Erasure:
        return Erasure()


class RaiseKind(TypedDict):
    type: str  # a RequestType
    form: type[RaiseForm]
    title: str
    intro: str


RAISE_KINDS: dict[str, RaiseKind] = {
    "goodwill-points": {
        "type": RequestType.GOODWILL,
        "form": GoodwillPointsForm,
        "title": "Goodwill points",
        "intro": "Points credited to the program once a supervisor approves (perhaps fewer).",
    },
    "goodwill-coupon": {
        "type": RequestType.GOODWILL,
        "form": GoodwillCouponForm,
        "title": "Goodwill coupon",
        "intro": "A coupon of the series issued once a supervisor approves.",
    },
    "retro": {
        "type": RequestType.TRANSACTION_UPDATE,
        "form": RetroForm,
        "title": "Retro claim of a bill",
        "intro": "A not-interested bill becomes the customer's, and earns its points, on approval.",
    },
    "identifier": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": IdentifierChangeForm,
        "title": "Identifier change",
        "intro": "Replace a mobile, e-mail or external id of one source profile.",
    },
    "merge": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": MergeForm,
        "title": "Merge a duplicate into this customer",
        "intro": "Customer {customer} survives: the duplicate you name moves into it and "
        "then points to it. You see what moves before the request is raised.",
    },
    "mobile-realloc": {
        "type": RequestType.CHANGE_IDENTIFIER,
        "form": MobileReallocForm,
        "title": "Mobile reallocation",
        "intro": "Move a mobile number from another customer to this one.",
    },
    "erasure": {
        "type": RequestType.ERASURE,
        "form": ErasureForm,
        "title": "Request erasure",
        "intro": "Erase the customer's personal data, once a supervisor approves.",
    },
}


def single_view_actions(*, customer: Customer, request) -> list[dict]:
    """ "Raise …" buttons for the request types the user may make."""
    if customer.merged_into_id:
        return []
    return [
        {
            "label": spec["title"],
            "url": reverse("admin:loyalty_request_raise", args=[customer.pk, kind]),
        }
        for kind, spec in RAISE_KINDS.items()
        if may(request.user, spec["type"], "make")
    ]
