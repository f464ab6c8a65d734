"""The staff console's one search box, and counting without `COUNT(*)` over the table.

What was typed decides where to look, and every probe is an index range scan with a limit:

- digits (spaces, `+`, `-` allowed): the user id, the end of a mobile number
  (`identifier_mobile_suffix`, a `reverse(value)` index), the whole mobile number as the API
  would normalise it, and the start of any identifier value (card number, external id, a
  mobile with its country code);
- an e-mail (contains `@`): the start of an e-mail identifier;
- letters: the start of a first or last name ("ann" or "ann smi"), and the start of any
  identifier value (a user name, an external id);
- anything else (`CARD-0042`): the start of any identifier value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower, Reverse
from django.utils.functional import cached_property

from customers.models import Customer, Identifier, IdentifierType, SourceProfile
from customers.normalise import normalise_mobile

# A search answers at most this many customers; past it the agent is asked to refine.
SEARCH_LIMIT = 500
# Filtered lists count at most this far ("more than 10,000").
COUNT_LIMIT = 10_000

_DIGITS = re.compile(r"^\+?[\d\s\-().]+$")
_NAME = re.compile(r"^[^\W\d_][^\W\d_\s'.\-]*(?:[\s'.\-]+[^\W\d_]+)*$", re.UNICODE)
MIN_SUFFIX_DIGITS = 4
MAX_USER_ID = 2**63 - 1


@dataclass(frozen=True)
class SearchPlan:
    """What a typed term was read as (shown under the search box)."""

    term: str
    kinds: tuple[str, ...]


def search_plan(term: str) -> SearchPlan:
    term = term.strip()
    if not term:
        return SearchPlan(term, ())
    if "@" in term:
        return SearchPlan(term, ("e-mail",))
    if _DIGITS.match(term) and any(char.isdigit() for char in term):
        digits = re.sub(r"\D", "", term)
        kinds = ["user id"] if len(digits) <= 18 else []
        if len(digits) >= MIN_SUFFIX_DIGITS:
            kinds.append("end of mobile")
        kinds += ["mobile", "card / external id"]
        return SearchPlan(digits, tuple(kinds))
    if _NAME.match(term):
        return SearchPlan(term, ("name prefix", "card / external id"))
    return SearchPlan(term, ("card / external id",))


def _identifier_prefix(prefix: str) -> QuerySet:
    # `identifier_value_prefix` is an index on lower(value) with text_pattern_ops.
    return (
        Identifier.objects.annotate(lower_value=Lower("value"))
        .filter(lower_value__startswith=prefix.lower())
        .values_list("customer_id", flat=True)
    )


def _mobile_suffix(digits: str) -> QuerySet:
    # `identifier_mobile_suffix`: reverse(value) text_pattern_ops, partial on mobiles.
    return (
        Identifier.objects.annotate(reversed_value=Reverse("value"))
        .filter(type=IdentifierType.MOBILE, reversed_value__startswith=digits[::-1])
        .values_list("customer_id", flat=True)
    )


def _name_prefix(words: list[str]) -> list[QuerySet]:
    profiles = SourceProfile.objects.annotate(
        first=Lower("first_name"), last=Lower("last_name")
    ).values_list("customer_id", flat=True)
    if len(words) == 1:
        return [
            profiles.filter(first__startswith=words[0]),
            profiles.filter(last__startswith=words[0]),
        ]
    first, last = words[0], " ".join(words[1:])
    return [
        profiles.filter(first__startswith=first, last__startswith=last),
        profiles.filter(first__startswith=last, last__startswith=first),
        profiles.filter(first__startswith=" ".join(words)),
    ]


def _mobile_exact(digits: str) -> QuerySet | None:
    try:
        value = normalise_mobile(digits)  # the API's own normalisation: lookups agree
    except ValueError:  # InvalidIdentifier included
        return None
    return Identifier.objects.filter(type=IdentifierType.MOBILE, value=value).values_list(
        "customer_id", flat=True
    )


def customer_ids_matching(*, term: str, limit: int = SEARCH_LIMIT) -> list[int]:
    """Ids of the customers the term may mean, newest first, at most `limit` + 1 of them
    (the extra one tells the caller there are more). One query."""
    plan = search_plan(term)
    if not plan.kinds:
        return []
    probes: list[QuerySet] = []
    ids_from_term: list[int] = []
    if "e-mail" in plan.kinds:
        # No type condition: the value prefix index alone decides (e-mails hold the "@").
        probes.append(_identifier_prefix(plan.term))
    if "user id" in plan.kinds and 0 < int(plan.term) <= MAX_USER_ID:
        ids_from_term.append(int(plan.term))
    if "end of mobile" in plan.kinds:
        probes.append(_mobile_suffix(plan.term))
    if "mobile" in plan.kinds and len(plan.term) >= 6:
        exact = _mobile_exact(plan.term)
        if exact is not None:
            probes.append(exact)
    if "name prefix" in plan.kinds:
        words = [word for word in re.split(r"\s+", plan.term.lower()) if word]
        probes += _name_prefix(words)
    if "card / external id" in plan.kinds:
        probes.append(_identifier_prefix(plan.term))

    # Each probe is limited on its own (an index range scan that stops early); the union
    # removes duplicates. Customers rows are read later by primary key only.
    probes = [probe.order_by()[: limit + 1] for probe in probes]
    union = Customer.objects.filter(pk__in=ids_from_term).values_list("pk", flat=True)
    if probes:
        union = union.union(*probes)
    found = sorted(set(union), reverse=True)
    return found[: limit + 1]


def table_estimate(model) -> int:
    """The planner's row estimate of the model's table (`pg_class.reltuples`), -1 if unknown."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else -1


class EstimatingPaginator(Paginator):
    """Never counts the whole table.

    The unfiltered list answers the planner's estimate (`pg_class.reltuples`, what ANALYZE
    and autovacuum last saw), whatever the table's size; only a table the planner has never
    analysed (-1) is counted, at most `COUNT_LIMIT` + 1 rows like a filtered or searched
    list. `is_estimate` and `is_capped` say which, for the template.
    """

    is_estimate = False
    is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = cast("QuerySet[Any]", self.object_list)  # the admin pages a queryset
        if not queryset.query.where:
            estimate = table_estimate(queryset.model)
            if estimate >= 0:
                self.is_estimate = True
                return estimate
        bounded = queryset.order_by()[: COUNT_LIMIT + 1].count()
        self.is_capped = bounded > COUNT_LIMIT
        return min(bounded, COUNT_LIMIT)

    def page(self, number):
        """As Django's, except that a page is not cut short at an estimated count: the
        last page shows the rows that are there, even when the estimate is behind."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.is_estimate and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)


def exists_filter(rows: QuerySet, **conditions) -> Q:
    """`Q` keeping customers with at least one of `rows` (a queryset with `customer`)."""
    from django.db.models import Exists, OuterRef

    return Q(Exists(rows.filter(customer=OuterRef("pk"), **conditions)))
