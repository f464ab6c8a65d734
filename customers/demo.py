"""Demo data of the customers app: stores, tills, staff roles and users."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from config.access import STAFF_ROLES
from customers.models import Store, Till, access_group_built_in

DEMO_TILLS = {"demo.till": "demo-secret", "bukl.till": "bukl-secret"}
# One till of each other access group (migration customers 0006): what each may call is on
# the roles page (/admin/auth/group/roles/). demo.till and bukl.till are POS tills.
DEMO_GROUP_TILLS = {
    "readonly.till": ("read_only", "readonly-secret"),
    "crm.till": ("customer_write", "crm-secret"),
    "billing.till": ("loyalty_write", "billing-secret"),
    "desk.till": ("requests_raise", "desk-secret"),
}

# Role groups; each app's demo loader adds its own permissions to them.
ROLE_AGENT = "agent"
ROLE_SENIOR_AGENT = "senior agent"
ROLE_SUPERVISOR = "supervisor"
ROLE_AUDITOR = "auditor"
ROLES = (ROLE_AGENT, ROLE_SENIOR_AGENT, ROLE_SUPERVISOR, ROLE_AUDITOR)

DEMO_USERS = {
    # username: (password, groups, superuser)
    "agent": ("agent-pass", [ROLE_AGENT], False),
    "senior": ("senior-pass", [ROLE_SENIOR_AGENT], False),
    "supervisor": ("supervisor-pass", [ROLE_SUPERVISOR], False),
    "auditor": ("auditor-pass", [ROLE_AUDITOR], False),
    "admin": ("admin-pass", [], True),
}


def load_org(*, stdout) -> None:
    store, _ = Store.objects.get_or_create(code="demo.store", defaults={"name": "Demo store"})
    for code, secret in DEMO_TILLS.items():
        till, created = Till.objects.get_or_create(
            code=code, defaults={"store": store, "name": code}
        )
        if created or not till.secret_hash:
            till.set_secret(secret)
            till.save(update_fields=["secret_hash"])
    for code, (group_code, secret) in DEMO_GROUP_TILLS.items():
        group = access_group_built_in(group_code)
        till, created = Till.objects.get_or_create(
            code=code, defaults={"store": store, "name": group.name, "access_group": group}
        )
        if created:
            till.set_secret(secret)
            till.save(update_fields=["secret_hash"])


def grant_roles() -> None:
    """The role groups with the permissions `config.access.STAFF_ROLES` gives them."""
    for role, spec in STAFF_ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [name.split(".") for name in spec["permissions"]]
        apps_of = {app for app, _ in wanted}
        permissions = [
            permission
            for permission in Permission.objects.filter(
                content_type__app_label__in=apps_of
            ).select_related("content_type")
            if [permission.content_type.app_label, permission.codename] in wanted
        ]
        group.permissions.add(*permissions)


def load_staff(*, stdout) -> None:
    grant_roles()
    User = get_user_model()
    for username, (password, groups, superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "is_staff": True,
                "is_superuser": superuser,
                "email": f"{username}@demo.local",
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in=groups))


# --- Customers ------------------------------------------------------------------------

DEMO_ACCOUNTS = [
    ("MOBILE_APP", "400", "Demo mobile app"),
    ("WECHAT", "22232", "WeChat official account"),
    ("WECHAT", "1234", "WeChat mini program"),
    ("FACEBOOK", "fb-demo", "Facebook page"),
    ("LINE", "line-demo", "LINE account"),
    ("WEB_ENGAGE", "we-demo", "WebEngage"),
]
DEMO_CUSTOM_FIELDS = [
    ("employee", "boolean"),
    ("dateofbirth", "date"),
    ("gender", "string"),
    ("city", "string"),
]
DEMO_EXTENDED_FIELDS = [
    ("gender", "string", ["Male", "Female", "Other"]),
    ("city", "string", []),
    ("ethnicity", "string", []),
    ("religion", "string", []),
]
DEMO_CUSTOMER_COUNT = 200
DEMO_MERGED_PAIRS = [(10, 11), (40, 41), (90, 91)]  # (survivor, victim) by demo index
DEMO_FRAUD_INDEX = 7
SEED_LOOKUP_MOBILE = "919111111111"
_FIRST = [
    "Asha",
    "Ravi",
    "Meera",
    "Arjun",
    "Priya",
    "Kiran",
    "Neha",
    "Vikram",
    "Anita",
    "Rahul",
    "Tom",
    "Becky",
    "Huck",
    "Sid",
    "Mary",
]
_LAST = [
    "Sharma",
    "Iyer",
    "Reddy",
    "Khan",
    "Das",
    "Menon",
    "Gupta",
    "Nair",
    "Rao",
    "Singh",
    "Sawyer",
    "Thatcher",
    "Finn",
    "Polly",
]
_CITIES = ["Bangalore", "Mumbai", "Chennai", "Delhi", "Pune", "Hyderabad"]
# (source, accountId) of each demo customer's first profile, cycled with the seeded random.
_SOURCES = [
    ("INSTORE", None),
    ("INSTORE", None),
    ("INSTORE", None),
    ("MOBILE_APP", "400"),
    ("WECHAT", "22232"),
    ("WECHAT", "1234"),
    ("FACEBOOK", "fb-demo"),
    ("LINE", "line-demo"),
    ("WEB_ENGAGE", "we-demo"),
    ("ECOMMERCE", None),
]


def demo_customer_specs() -> list[dict]:
    """The demo customers' registration bodies, the same on every run (seeded random)."""
    rng = random.Random(20261122)
    specs = []
    for index in range(DEMO_CUSTOMER_COUNT):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        source, account = rng.choice(_SOURCES)
        mobile = f"9198{index:08d}"
        email = f"{first}.{last}.{index}@demo.example".lower()
        identifiers = [{"type": "mobile", "value": mobile}, {"type": "email", "value": email}]
        if rng.random() < 0.3:
            identifiers.append({"type": "externalId", "value": f"EXT{index:06d}"})
        if source == "WECHAT":
            identifiers.append({"type": "wechat", "value": f"wx_demo_{index}"})
        body = {
            "loyaltyInfo": {"loyaltyType": "loyalty" if rng.random() < 0.85 else "non_loyalty"},
            "profiles": [
                {
                    "firstName": first,
                    "lastName": last,
                    "source": source,
                    "accountId": account or "",
                    "identifiers": identifiers,
                    "commChannels": [
                        {"type": "mobile", "value": mobile, "primary": True, "verified": True},
                        {"type": "email", "value": email, "primary": False, "verified": False},
                    ],
                    "fields": {"city": rng.choice(_CITIES)},
                }
            ],
            "extendedFields": {
                "gender": rng.choice(["Male", "Female", "Other"]),
                "city": rng.choice(_CITIES),
            },
        }
        # Every eighth customer also uses the mobile app: same customer, two profiles (8050).
        also_app = index % 8 == 3 and source != "MOBILE_APP"
        specs.append({"source": source, "account": account, "body": body, "also_app": also_app})
    return specs


def load_customers(*, stdout) -> None:
    from customers.models import (
        CustomerStatus,
        CustomFieldDefinition,
        ExtendedFieldDefinition,
        Identifier,
        SourceAccount,
    )
    from customers.parsers import change_identifiers_command, register_command
    from customers.selectors import customer_lookup
    from customers.services import (
        customer_change_identifiers,
        customer_register,
        customer_set_status,
    )

    for source, account_id, name in DEMO_ACCOUNTS:
        SourceAccount.objects.get_or_create(
            source=source, account_id=account_id, defaults={"name": name}
        )
    for name, data_type in DEMO_CUSTOM_FIELDS:
        CustomFieldDefinition.objects.get_or_create(name=name, defaults={"data_type": data_type})
    for name, data_type, allowed in DEMO_EXTENDED_FIELDS:
        ExtendedFieldDefinition.objects.get_or_create(
            name=name, defaults={"data_type": data_type, "allowed_values": allowed}
        )

    till = Till.objects.get(code="demo.till")
    specs = demo_customer_specs()
    created = 0
    for spec in specs:
        profile = spec["body"]["profiles"][0]
        mobile = profile["identifiers"][0]["value"]
        if not Identifier.objects.filter(type="mobile", value=mobile).exists():
            command = register_command(
                source=spec["source"], account_id=spec["account"], body=spec["body"]
            )
            customer_register(command=command, actor=till)
            created += 1
        if (
            spec["also_app"]
            and not Identifier.objects.filter(
                type="mobile", value=mobile, source="MOBILE_APP"
            ).exists()
        ):
            app_body = {
                "profiles": [
                    {
                        "firstName": profile["firstName"],
                        "lastName": profile["lastName"],
                        "identifiers": [{"type": "mobile", "value": mobile}],
                    }
                ]
            }
            command = register_command(source="MOBILE_APP", account_id="400", body=app_body)
            customer_register(command=command, actor=till)
    for survivor_index, victim_index in DEMO_MERGED_PAIRS:
        survivor_mobile = specs[survivor_index]["body"]["profiles"][0]["identifiers"][0]["value"]
        victim = specs[victim_index]
        victim_mobile = victim["body"]["profiles"][0]["identifiers"][0]["value"]
        survivor = customer_lookup(
            source="ALL",
            account_id=None,
            identifier_name="mobile",
            identifier_value=survivor_mobile,
        )
        current = customer_lookup(
            source="ALL", account_id=None, identifier_name="mobile", identifier_value=victim_mobile
        )
        if current.pk == survivor.pk:
            continue  # merged on an earlier run
        # Adding the survivor's mobile in a source where only the survivor's other profile
        # holds it merges the victim into the survivor (8051).
        holder_sources = set(
            Identifier.objects.filter(
                type="mobile", value=survivor_mobile, customer=survivor
            ).values_list("source", flat=True)
        )
        target_source = "WEBSITE" if "WEBSITE" not in holder_sources else "TMALL"
        change = change_identifiers_command(
            customer_id=current.pk,
            source=target_source,
            account_id=None,
            add=[{"type": "mobile", "value": survivor_mobile}],
            remove=[],
        )
        customer_change_identifiers(command=change, actor=till)
    # The seed's lookup sample (`identifierValue=919111111111` in INSTORE) finds this one.
    if not Identifier.objects.filter(type="mobile", value=SEED_LOOKUP_MOBILE).exists():
        body = {
            "profiles": [
                {
                    "firstName": "Tom",
                    "lastName": "Sawyer",
                    "identifiers": [{"type": "mobile", "value": SEED_LOOKUP_MOBILE}],
                }
            ]
        }
        command = register_command(source="INSTORE", account_id=None, body=body)
        customer_register(command=command, actor=till)
        created += 1
    fraud_mobile = specs[DEMO_FRAUD_INDEX]["body"]["profiles"][0]["identifiers"][0]["value"]
    fraud = customer_lookup(
        source="ALL", account_id=None, identifier_name="mobile", identifier_value=fraud_mobile
    )
    if fraud.status != CustomerStatus.FRAUD_MARKED:
        customer_set_status(
            customer_id=fraud.pk,
            label="FRAUD_MARKED",
            reason="Demo: several chargebacks reported by the store",
            actor=till,
        )
    stdout.write(f"demo customers: {created} registered")
