"""Extension points where other apps take part in customer operations.

`customers` never imports `loyalty` or `subscriptions`; they register their parts here from
their `AppConfig.ready()`:

- `merge_steps`: called in order inside the merge transaction,
  `step(*, victim, survivor, actor, warnings) -> None`.
- `detail_embeds`: `embed=<name>` on customer details, a `DetailColumn`: a scalar subquery
  that the details query itself selects for each customer, and what turns its value into
  the fragment merged into that customer's details body (deep-merged:
  `{"loyaltyInfo": {"lifetimePurchases": 230}}` adds to the body's `loyaltyInfo`). So
  details stay one query whatever the embeds and the number of customers.
- `detail_parts`: like `detail_embeds`, but part of every details body whatever `embed=`
  asks for (e.g. `loyaltyInfo.lifetimePurchases` from `loyalty`).
- `body_parts`: an app's fields of a v2 registration / update body, typed before the
  service runs, `parse(body: dict) -> Any` (raising `DomainError` for a malformed one);
  `customers.parsers` puts the result in the command's `parts[name]`. Another wire
  format, or the console, fills `parts` itself.
- `registration_steps` / `update_steps`: called inside `customer_register` /
  `customer_update` with the typed command (its `parts` are the app's),
  `step(*, customer, command, actor, warnings, side_effects, created) -> None`.
- `single_view_sections`: sections of the staff single view,
  `SingleViewSection(key, title, template, order, load(*, customer, request) -> dict)`.
- `demo_loaders`: `load(*, stdout) -> None`, run by `load_demo` in `order`.
- `changelist_columns`: columns of the staff customer search results,
  `ChangelistColumn(key, title, load(*, customers: list[Customer]) -> dict[int, str])`,
  called once per page with every customer shown (so the query count stays fixed).
- `changelist_filters`: Django admin list filters (`admin.SimpleListFilter` subclasses)
  added to the staff customer search, e.g. program and tier from `loyalty`.
- `single_view_actions`: buttons of the single view's action bar,
  `actions(*, customer, request) -> list[dict(label=..., url=...)]` (e.g. raise a request).
- `audit_trail_entries`: more rows for the single view's audit trail, from tables that
  pghistory does not track (e.g. requests made and decided),
  `load(*, customer, limit) -> list[dict(at, actor, what, object_id, label, changes)]`.
- `dashboard_panels`: panels of the staff console's home page,
  `DashboardPanel(key, title, template, load(*, request) -> dict)`.
- `erasure_steps`: called in order inside `customers.erasure.customer_erase`, after the
  customer's own personal data is erased, to erase what another app holds of the person,
  `step(*, customer, actor, reason) -> None`.
- `invariant_checks`: the rules of docs/invariants.md as `InvariantCheck`s, run over a
  whole database in batches by `manage.py check_invariants` (and after every step of the
  stateful tests); each app checks what it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from django.contrib.admin import SimpleListFilter

T = TypeVar("T")


@dataclass(order=True)
class _Entry(Generic[T]):
    order: int
    name: str
    function: T = field(compare=False)


class Registry(Generic[T]):
    """Named entries of one kind (`T`: a step function, a `DetailColumn`, ...) in `order`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._entries: dict[str, _Entry[T]] = {}

    def register(self, name: str, function: T, *, order: int = 100) -> None:
        # Re-registering the same name replaces it: ready() may run twice in some test setups.
        self._entries[name] = _Entry(order, name, function)

    def get(self, name: str) -> T | None:
        entry = self._entries.get(name)
        return entry.function if entry else None

    def names(self) -> list[str]:
        return [entry.name for entry in sorted(self._entries.values())]

    def __iter__(self) -> Iterator[tuple[str, T]]:
        return iter([(entry.name, entry.function) for entry in sorted(self._entries.values())])


@dataclass(frozen=True)
class DetailColumn:
    """A part of the customer details body read by the details query.

    `sql`: a scalar subquery (usually JSON) of one customer, `{customer}` standing for the
    customer's id column, fixed text (the query is prepared; no parameters). `load(value)`
    turns its value into Python once per customer; `build(loaded, *, customer)` makes the
    fragment (or None). Parts reading the same thing give the same `column` name and `sql`:
    the query selects it once (`embed=points,mlp` share the enrollments)."""

    column: str
    sql: str
    build: Callable[..., dict | None]
    load: Callable[[Any], Any] = lambda value: value


@dataclass(frozen=True)
class SingleViewSection:
    key: str
    title: str
    template: str
    load: Callable[..., dict]


@dataclass(frozen=True)
class ChangelistColumn:
    key: str
    title: str
    load: Callable[..., dict]


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    title: str
    template: str
    load: Callable[..., dict | None]  # None: not shown (to this user)


@dataclass(frozen=True)
class InvariantCheck:
    """One rule checked over a whole database: `table` is the table whose primary keys are
    cut into ranges; `find(start, stop)` returns the violations among the rows with
    `start <= id < stop`, each as (id of the row at fault, what is wrong)."""

    invariant: str  # "I1" ... "I4" (docs/invariants.md)
    name: str
    table: str
    find: Callable[[int, int], list[tuple[int, str]]]


# Step functions are called with keyword arguments that differ per registry (see above).
Step = Callable[..., Any]

merge_steps: Registry[Step] = Registry("merge steps")
detail_embeds: Registry[DetailColumn] = Registry("detail embeds")
detail_parts: Registry[DetailColumn] = Registry("detail parts")
body_parts: Registry[Step] = Registry("body parts")
registration_steps: Registry[Step] = Registry("registration steps")
update_steps: Registry[Step] = Registry("update steps")
single_view_sections: Registry[SingleViewSection] = Registry("single view sections")
demo_loaders: Registry[Step] = Registry("demo loaders")
changelist_columns: Registry[ChangelistColumn] = Registry("changelist columns")
changelist_filters: Registry[type[SimpleListFilter]] = Registry("changelist filters")
dashboard_panels: Registry[DashboardPanel] = Registry("dashboard panels")
single_view_actions: Registry[Step] = Registry("single view actions")
audit_trail_entries: Registry[Step] = Registry("audit trail entries")
erasure_steps: Registry[Step] = Registry("erasure steps")
invariant_checks: Registry[InvariantCheck] = Registry("invariant checks")
