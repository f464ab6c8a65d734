"""`{% console_dashboard %}`: the staff console's home panels, from the registry."""

from __future__ import annotations

import logging

from django import template
from django.template.loader import render_to_string

from config.masking import shown_text
from customers import registry

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def console_dashboard(context) -> str:
    request = context["request"]
    parts = []
    for key, panel in registry.dashboard_panels:
        try:
            data = panel.load(request=request)
            if data is None:  # the panel has nothing for this user
                continue
            parts.append(
                render_to_string(panel.template, {**data, "panel": panel}, request=request)
            )
        except Exception:  # one broken panel must not take the home page down
            logger.exception("dashboard panel %s failed", key)
    from django.utils.safestring import mark_safe

    return mark_safe("".join(parts))  # each part is a rendered (autoescaped) template


@register.filter
def pii_text(text: str, can_view_pii: bool) -> str:
    """Free text (a reason, a comment) as the reader may see it: values masked without
    `customers.view_pii` (config.masking), `{{ req.reason|pii_text:can_view_pii }}`."""
    return shown_text(text or "", can_view_pii=bool(can_view_pii))
