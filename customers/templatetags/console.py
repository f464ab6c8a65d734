"""`{% console_dashboard %}`: the staff console's home panels, from the registry."""

from __future__ import annotations

import logging

from django import template
from django.template.loader import render_to_string

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
