"""The benchmark's scenarios as requests: used by the load (bench/run.py writes them for bench/wrk.lua) and by the
query count (bench/run.py calls each once through Django's test client).

A scenario builds `Call(method, path, body, name, auth)`; `auth` is "till" (HTTP Basic of
a bench till), "checker" (the checker's bearer key) or "session" (a logged-in admin).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from generate import FIRST_NAMES, LAST_NAMES, mobile_of


@dataclass
class Call:
    method: str
    path: str
    body: dict | None
    name: str
    auth: str = "till"


@dataclass
class Context:
    customers: int
    # (customer, source) pairs where the customer has no profile yet: each used once.
    other_source_pool: list[tuple[int, str]] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def customer(self) -> int:
        return self.rng.randint(1, self.customers)


def floor(ctx: Context) -> Call:
    return Call("GET", f"/v2/_floor/{ctx.customer()}", None, "floor")


def lookup(ctx: Context) -> Call:
    return Call(
        "GET",
        "/v2/customers/lookup?source=INSTORE&identifierName=mobile"
        f"&identifierValue={mobile_of(ctx.customer())}",
        None,
        "lookup by mobile",
    )


def details(ctx: Context) -> Call:
    return Call(
        "GET",
        f"/v2/customers/{ctx.customer()}?source=INSTORE&embed=points,subscriptions,mlp",
        None,
        "details embed=points,subscriptions,mlp",
    )


def search_name(ctx: Context) -> Call:
    name = ctx.rng.choice(FIRST_NAMES + LAST_NAMES).lower()
    return Call("GET", f"/v2/customers/search?q={name[:4]}&limit=10", None, "search name prefix")


def search_mobile(ctx: Context) -> Call:
    prefix = mobile_of(ctx.customer())[:8]
    return Call("GET", f"/v2/customers/search?q={prefix}&limit=10", None, "search mobile prefix")


def register(ctx: Context) -> Call:
    # Random per call, not from the seeded rng: a rerun (or the query count) must not
    # meet a mobile registered by an earlier run and be refused with 8006.
    mobile = f"918{uuid.uuid4().int % 10**9:09d}"
    tag = uuid.uuid4().hex[:12]
    body = {
        "loyaltyInfo": {"loyaltyType": "loyalty"},
        "profiles": [
            {
                "firstName": "Bench",
                "lastName": f"New{tag[:4]}",
                "source": "INSTORE",
                "identifiers": [
                    {"type": "mobile", "value": mobile},
                    {"type": "email", "value": f"bench.{tag}@example.com"},
                ],
                "commChannels": [
                    {"type": "mobile", "value": mobile, "primary": True, "verified": True}
                ],
            }
        ],
    }
    return Call("POST", "/v2/customers?source=INSTORE", body, "register new customer")


def register_other_source(ctx: Context) -> Call:
    if not ctx.other_source_pool:
        raise RuntimeError("no customer left without a profile in a second source")
    customer, source = ctx.other_source_pool.pop()
    body = {
        "loyaltyInfo": {"loyaltyType": "loyalty"},
        "profiles": [
            {
                "firstName": "Bench",
                "lastName": "Online",
                "source": source,
                "identifiers": [{"type": "mobile", "value": mobile_of(customer)}],
            }
        ],
    }
    return Call("POST", f"/v2/customers?source={source}", body, "register second source")


def update(ctx: Context) -> Call:
    body = {
        "profiles": [
            {
                "firstName": ctx.rng.choice(FIRST_NAMES),
                "lastName": ctx.rng.choice(LAST_NAMES),
                "source": "INSTORE",
            }
        ]
    }
    return Call("PUT", f"/v2/customers/{ctx.customer()}?source=INSTORE", body, "update customer")


def bill(ctx: Context) -> Call:
    body = {
        "type": "REGULAR",
        "billNumber": f"BB-{uuid.uuid4().hex[:16]}",
        "billAmount": round(ctx.rng.uniform(5, 5000), 2),
        "userId": ctx.customer(),
        "lineItemsCount": 2,
    }
    return Call("POST", "/v2/transactions", body, "add bill")


def goodwill_raise(ctx: Context) -> Call:
    body = {
        "type": "GOODWILL",
        "baseType": "POINTS",
        "customerId": ctx.customer(),
        "points": 10,
        "reason": "bench",
    }
    return Call("POST", "/v2/requests", body, "raise goodwill")


def goodwill_approve(request_id: int) -> Call:
    body = {"id": request_id, "status": "APPROVED"}
    return Call("PUT", "/v2/requests", body, "approve goodwill", auth="checker")


def admin_search(ctx: Context) -> Call:
    q = ctx.rng.choice([mobile_of(ctx.customer())[-4:], ctx.rng.choice(FIRST_NAMES).lower()[:3]])
    return Call("GET", f"/admin/customers/customer/?q={q}", None, "admin search", "session")


def admin_view(ctx: Context) -> Call:
    return Call(
        "GET", f"/admin/customers/customer/{ctx.customer()}/view/", None, "admin view", "session"
    )


# The scenario `goodwill` is goodwill_raise then goodwill_approve of the created request.
SCENARIOS: dict[str, Callable[[Context], Call]] = {
    "floor": floor,
    "lookup": lookup,
    "details": details,
    "search_name": search_name,
    "search_mobile": search_mobile,
    "register": register,
    "register_other_source": register_other_source,
    "update": update,
    "bill": bill,
    "goodwill": goodwill_raise,
    "admin_search": admin_search,
    "admin_view": admin_view,
}
