"""Who did it: attribution fields and the audit context shared by every service."""

from __future__ import annotations

import contextlib
from typing import Union

import pghistory
from django.contrib.auth.models import User

from customers.models import Till

Actor = Union[Till, User]  # noqa: UP007 - readable alias for services (AUTH_USER_MODEL is auth.User)


def actor_label(actor: Actor) -> str:
    if isinstance(actor, Till):
        return f"till:{actor.code}"
    return f"user:{actor.get_username()}"


def actor_columns(actor: Actor) -> tuple[Till | None, User | None]:
    """(till, user) for a row's `<verb>_by_till` / `<verb>_by_user` pair: the actor in one."""
    if isinstance(actor, Till):
        return actor, None
    return None, actor


def created_by(actor: Actor) -> dict:
    """Attribution fields for a new row of an `Attributed` model."""
    if isinstance(actor, Till):
        return {"created_by_till": actor, "modified_by_till": actor}
    return {"created_by_user": actor, "modified_by_user": actor}


def modified_by(actor: Actor) -> dict:
    if isinstance(actor, Till):
        return {"modified_by_till": actor, "modified_by_user": None}
    return {"modified_by_user": actor, "modified_by_till": None}


@contextlib.contextmanager
def audit_context(actor: Actor, **metadata):
    """Attach the actor (and e.g. the operation) to every history event written inside."""
    with pghistory.context(actor=actor_label(actor), **metadata):
        yield
