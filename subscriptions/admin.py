"""Thin admin: the org's subscription settings, and read-only state and log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse

from config.errors import DomainError
from customers.selectors import customer_resolve
from subscriptions.commands import SubscriptionChange
from subscriptions.models import (
    ChangeSource,
    Channel,
    Priority,
    Subscription,
    SubscriptionLog,
    SubscriptionSettings,
    SubscriptionStatus,
)
from subscriptions.selectors import subscription_state
from subscriptions.services import subscription_update


class SubscriptionChangeForm(forms.Form):
    """A staff member records one choice the customer expressed (phone, desk, letter)."""

    channel = forms.ChoiceField(choices=Channel.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    status = forms.ChoiceField(choices=SubscriptionStatus.choices)
    account_id = forms.CharField(required=False, max_length=64, label="Account id")
    reason = forms.CharField(
        max_length=500, help_text="How the customer asked (e.g. phone call on ...)."
    )


@admin.register(SubscriptionSettings)
class SubscriptionSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "default_trans_status", "default_bulk_status", "modified_at")
    fields = ("default_trans_status", "default_bulk_status", "listed_channels", "modified_at")
    readonly_fields = ("modified_at",)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not SubscriptionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Choices are changed only through `subscription_update` (API or staff workflow)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    change_permission = "subscriptions.change_subscription"

    def get_urls(self):
        return [
            path(
                "customer/<int:customer_id>/record/",
                self.admin_site.admin_view(self.record_choice_view),
                name="subscriptions_record_choice",
            ),
            *super().get_urls(),
        ]

    def record_choice_view(self, request, customer_id: int):
        """Record a choice through `subscription_update`, like the API (source ADMIN)."""
        if not request.user.has_perm(self.change_permission):
            raise PermissionDenied
        from config.errors import Warnings

        try:
            customer = customer_resolve(customer_id=customer_id, warnings=Warnings())
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("admin:subscriptions_subscription_changelist"))
        form = SubscriptionChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                subscription_update(
                    customer_id=customer.pk,
                    changes=[
                        SubscriptionChange(
                            data["channel"], data["priority"], data["status"], data["account_id"]
                        )
                    ],
                    actor=request.user,
                    reason=data["reason"],
                    source=ChangeSource.ADMIN,
                )
            except DomainError as error:
                form.add_error(None, f"{error.code}: {error.message}")
            else:
                messages.success(
                    request,
                    f"{data['channel']}/{data['priority']} recorded as {data['status']} "
                    f"for customer {customer.pk}.",
                )
                return HttpResponseRedirect(_single_view_url(customer.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Record a subscription choice for customer {customer.pk}",
            "customer": customer,
            "form": form,
            "states": subscription_state(customer_id=customer.pk),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "subscriptions/record_choice.html", context)

    list_display = ("customer_id", "channel", "account_id", "priority", "status", "modified_at")
    list_filter = ("channel", "priority", "status")
    search_fields = ("=customer__id",)
    raw_id_fields = ("customer",)
    list_select_related = False
    show_full_result_count = False


@admin.register(SubscriptionLog)
class SubscriptionLogAdmin(ReadOnlyAdmin):
    list_display = (
        "changed_at",
        "customer_id",
        "channel",
        "account_id",
        "priority",
        "status",
        "previous_status",
        "source",
        "actor_label",
        "reason",
    )
    list_filter = ("source", "channel", "priority", "status")
    search_fields = ("=customer__id",)
    raw_id_fields = ("customer", "copied_from")
    list_select_related = ("changed_by_till", "changed_by_user")
    ordering = ("-changed_at", "-id")
    show_full_result_count = False


def _single_view_url(customer_id: int) -> str:
    try:
        return reverse("admin:customers_customer_single_view", args=[customer_id])
    except NoReverseMatch:
        return reverse("admin:subscriptions_subscriptionlog_changelist")
