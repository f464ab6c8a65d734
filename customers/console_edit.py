"""Edit pages of the staff console. Each is a small form that builds the typed command of
one customers service (`customer_update`, `customer_set_status`), the same functions the
API calls; a refusal (`DomainError`) is shown on the form and nothing is written."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from config import codes
from config.codes import Code
from config.errors import DomainError, Warnings, status_item
from config.masking import request_can_view_pii
from customers import console_display
from customers.commands import UpdateCustomer
from customers.models import (
    CommChannel,
    CommChannelType,
    Customer,
    CustomerStatus,
    CustomFieldDefinition,
    ExtendedFieldDefinition,
    FieldDataType,
    LoyaltyType,
    SourceProfile,
)
from customers.parsers import (
    channel_input,
    custom_fields_checked,
    extended_fields_checked,
    write_source,
)
from customers.selectors import SourceRef
from customers.services import customer_set_status, customer_update

CHANGE_PERMISSION = "customers.change_customer"


def _single_view(customer_id: int) -> str:
    return reverse("admin:customers_customer_single_view", args=[customer_id])


def _error_text(error: DomainError) -> str:
    return console_display.error_text(error, "customer edit")


def _show_warnings(request, warnings) -> None:
    for warning in warnings or []:
        messages.warning(request, f"{warning['message']} (code {warning['code']})")


def _profile_ref(profile: SourceProfile) -> SourceRef:
    return write_source(
        profile.source, profile.account.account_id if profile.account is not None else None
    )


def _typed_field(definition, *, allowed_values=()) -> forms.Field:
    label = definition.label or definition.name
    if allowed_values:
        choices = [("", "—"), *((str(v), str(v)) for v in allowed_values)]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    field_class = {
        FieldDataType.INTEGER: forms.IntegerField,
        FieldDataType.DOUBLE: forms.FloatField,
        FieldDataType.DATE: forms.DateField,
    }.get(definition.data_type, forms.CharField)
    if definition.data_type == FieldDataType.BOOLEAN:
        choices = [("", "—"), ("true", "yes"), ("false", "no")]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    return field_class(label=label, required=False)


CHANNEL_FIELDS = (("mobile", "mobile_channel"), ("email", "email_channel"))


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    mobile_channel = forms.CharField(
        label="Mobile channel",
        max_length=200,
        required=False,
        help_text="Replaces the mobile channel.",
    )
    email_channel = forms.CharField(
        label="E-mail channel",
        max_length=200,
        required=False,
        help_text="Replaces the e-mail channel.",
    )

    def __init__(
        self,
        *args,
        custom_fields: list[CustomFieldDefinition],
        channels: dict[str, str],
        can_view_pii: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Without `view_pii` the channels show masked and cannot be changed: the boxes are
        # disabled (Django ignores posted values for them) and `payload` leaves them out.
        self.edits_channels = can_view_pii
        for kind, name in CHANNEL_FIELDS:
            field = self.fields[name]
            if can_view_pii:
                field.initial = channels.get(kind, "")
                continue
            field.disabled = True
            field.initial = console_display.mask_value(kind, channels.get(kind, ""))
            field.help_text = "Shown masked: changing channels needs the “view PII” permission."
        self.custom_names = []
        for definition in custom_fields:
            name = f"custom_{definition.name}"
            self.fields[name] = _typed_field(definition)
            self.custom_names.append((name, definition.name))

    def command(
        self, profile: SourceProfile, ref: SourceRef, channels: dict[str, str]
    ) -> UpdateCustomer:
        """The profile's names, custom fields and changed channels (sent as primary)."""
        data = self.cleaned_data
        warnings = Warnings()
        custom_fields = custom_fields_checked(
            {
                key: str(data[name])
                for name, key in self.custom_names
                if data.get(name) not in (None, "")
            }
        )
        changed = []
        for kind, field in CHANNEL_FIELDS if self.edits_channels else ():
            value = data[field].strip()
            if value and value != channels.get(kind, ""):
                channel = channel_input(kind, value, primary=True, warnings=warnings)
                if channel is not None:
                    changed.append(channel)
        return UpdateCustomer(
            ref=ref,
            customer_id=profile.customer_id,
            names={
                "first_name": data["first_name"].strip(),
                "last_name": data["last_name"].strip(),
            },
            custom_fields=custom_fields,
            channels=changed or None,
            warnings=warnings,
        )


class CustomerForm(forms.Form):
    loyalty_type = forms.ChoiceField(
        choices=LoyaltyType.choices,
        help_text="A non-loyalty customer may become a loyalty customer, never the reverse.",
    )

    def __init__(self, *args, extended_fields: list[ExtendedFieldDefinition], **kwargs):
        super().__init__(*args, **kwargs)
        self.extended_names = []
        for definition in extended_fields:
            name = f"extended_{definition.name}"
            self.fields[name] = _typed_field(definition, allowed_values=definition.allowed_values)
            self.extended_names.append((name, definition.name))

    def command(self, ref: SourceRef, customer: Customer) -> UpdateCustomer:
        """The loyalty type and the extended fields filled in."""
        data = self.cleaned_data
        warnings = Warnings()
        extended = {
            key: data[name] if not hasattr(data[name], "isoformat") else data[name].isoformat()
            for name, key in self.extended_names
            if data.get(name) not in (None, "")
        }
        return UpdateCustomer(
            ref=ref,
            customer_id=customer.pk,
            loyalty_type=data["loyalty_type"],
            extended_fields=extended_fields_checked(extended, warnings),
            warnings=warnings,
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CustomerStatus.choices)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why: recorded in the status history and the audit trail.",
    )


def urls(model_admin, view) -> list:
    def bound(function):
        return view(lambda request, **kwargs: function(model_admin, request, **kwargs))

    return [
        path(
            "<int:customer_id>/profiles/<int:profile_id>/edit/",
            bound(profile_edit),
            name="customers_customer_profile_edit",
        ),
        path("<int:customer_id>/edit/", bound(customer_edit), name="customers_customer_edit"),
        path("<int:customer_id>/status/", bound(status_edit), name="customers_customer_status"),
    ]


def actions(*, customer: Customer, request) -> list[dict]:
    """Buttons of the single view's action bar: the edits, then other apps' (requests)."""
    from customers import registry

    others = [
        action
        for _, load in registry.single_view_actions
        for action in load(customer=customer, request=request)
    ]
    if not request.user.has_perm(CHANGE_PERMISSION) or customer.merged_into_id:
        return others
    return [
        *others,
        {
            "label": "Edit loyalty type and extended fields",
            "url": reverse("admin:customers_customer_edit", args=[customer.pk]),
        },
        {
            "label": "Change status",
            "url": reverse("admin:customers_customer_status", args=[customer.pk]),
        },
    ]


def profile_actions(
    *, customer: Customer, profiles: list[SourceProfile], request
) -> dict[int, str]:
    if not request.user.has_perm(CHANGE_PERMISSION) or customer.merged_into_id:
        return {}
    return {
        profile.pk: reverse("admin:customers_customer_profile_edit", args=[customer.pk, profile.pk])
        for profile in profiles
    }


def _render(model_admin, request, customer: Customer, form, *, title: str, intro: str = ""):
    return TemplateResponse(
        request,
        "admin/customers/customer/console_form.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "customer": customer,
            "form": form,
            "title": title,
            "intro": intro,
            "back_url": _single_view(customer.pk),
        },
    )


def _check_permission(request) -> None:
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied


def _survivor_instead(
    request, customer_id: int, url_name: str, *args
) -> HttpResponseRedirect | None:
    """I2, as the API answers an update addressed to a merge victim: the survivor's page of
    the same edit, with the warning 8069."""
    survivor_id = (
        Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()
    )
    if survivor_id is None:
        return None
    _show_warnings(
        request,
        [
            status_item(
                Code.MERGED_CUSTOMER,
                f"{codes.get(Code.MERGED_CUSTOMER).message}: customer {customer_id} is merged into "
                f"{survivor_id}, whose record is edited instead",
            )
        ],
    )
    return HttpResponseRedirect(reverse(f"admin:{url_name}", args=[survivor_id, *args]))


def profile_edit(model_admin, request, *, customer_id: int, profile_id: int):
    _check_permission(request)
    redirect = _survivor_instead(
        request, customer_id, "customers_customer_profile_edit", profile_id
    )
    if redirect is not None:
        return redirect
    profile = get_object_or_404(
        SourceProfile.objects.select_related("customer", "account"),
        pk=profile_id,
        customer_id=customer_id,
    )
    customer = profile.customer
    channels = {
        channel.type: channel.value
        # the primary channel of each type wins (it comes last)
        for channel in CommChannel.objects.filter(
            profile=profile, type__in=[CommChannelType.MOBILE, CommChannelType.EMAIL]
        ).order_by("primary", "pk")
    }
    custom_fields = list(CustomFieldDefinition.objects.filter(is_active=True).order_by("name"))
    initial = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        **{f"custom_{key}": value for key, value in profile.custom_fields.items()},
    }
    form = ProfileForm(
        request.POST or None,
        initial=initial,
        custom_fields=custom_fields,
        channels=channels,
        can_view_pii=request_can_view_pii(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            command = form.command(profile, _profile_ref(profile), channels)
            result = customer_update(command=command, actor=request.user)
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            _show_warnings(request, result.warnings)
            model_admin.log_change(request, customer, f"Edited the {profile.source} profile.")
            messages.success(request, f"The {profile.source} profile was saved.")
            return HttpResponseRedirect(_single_view(customer.pk))
    source = profile.source + (
        f" · {profile.account.account_id}" if profile.account is not None else ""
    )
    return _render(model_admin, request, customer, form, title=f"Edit the {source} profile")


def customer_edit(model_admin, request, *, customer_id: int):
    _check_permission(request)
    redirect = _survivor_instead(request, customer_id, "customers_customer_edit")
    if redirect is not None:
        return redirect
    customer = get_object_or_404(Customer, pk=customer_id)
    # The service addresses a profile by source; the customer's first one carries the
    # customer-level fields without creating a new profile.
    profile = (
        SourceProfile.objects.filter(customer=customer)
        .select_related("account")
        .order_by("pk")
        .first()
    )
    if profile is None:
        raise Http404("This customer has no profile to edit (a merge victim?)")
    extended_fields = list(ExtendedFieldDefinition.objects.filter(is_active=True).order_by("name"))
    initial = {
        "loyalty_type": customer.loyalty_type,
        **{f"extended_{key}": value for key, value in customer.extended_fields.items()},
    }
    form = CustomerForm(request.POST or None, initial=initial, extended_fields=extended_fields)
    if request.method == "POST" and form.is_valid():
        try:
            command = form.command(_profile_ref(profile), customer)
            result = customer_update(command=command, actor=request.user)
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            _show_warnings(request, result.warnings)
            model_admin.log_change(request, customer, "Edited loyalty type and extended fields.")
            messages.success(request, "The customer was saved.")
            return HttpResponseRedirect(_single_view(customer.pk))
    return _render(
        model_admin, request, customer, form, title="Edit loyalty type and extended fields"
    )


def status_edit(model_admin, request, *, customer_id: int):
    _check_permission(request)
    customer = get_object_or_404(Customer, pk=customer_id)
    form = StatusForm(request.POST or None, initial={"status": customer.status})
    if request.method == "POST" and form.is_valid():
        try:
            customer_set_status(
                customer_id=customer.pk,
                label=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, _error_text(error))
        else:
            model_admin.log_change(
                request, customer, f"Status set to {form.cleaned_data['status']}."
            )
            messages.success(request, f"Status set to {form.cleaned_data['status']}.")
            return HttpResponseRedirect(_single_view(customer.pk))
    return _render(
        model_admin,
        request,
        customer,
        form,
        title="Change status",
        intro="Fraud-marked customers accept no writes from stores; suspended customers are kept but flagged.",
    )
