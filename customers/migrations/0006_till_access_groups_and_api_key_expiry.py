"""Till access groups (what a till may call, per resource), every existing till in the POS
group (what every till could do before), and API keys with a scope, an expiry and a last
use. Till secrets hashed before stay verifiable and are re-hashed on their first success
(config/credentials.py)."""

import django.db.models.deletion
from django.db import migrations, models

# (code, name, customer, loyalty, request, description); 0 none, 1 read, 2 read and write.
BUILT_IN_GROUPS = [
    ("read_only", "Read only", 1, 1, 1, "Looks customers, points and requests up; writes nothing."),
    (
        "customer_write",
        "Customer read/write",
        2,
        1,
        1,
        "CRM and sign-up integrations: registers and updates customers, identifiers, "
        "status and subscriptions; reads loyalty and requests.",
    ),
    (
        "loyalty_write",
        "Loyalty write",
        1,
        2,
        1,
        "Billing integrations: adds bills (earning and returns) and transfers points; "
        "reads customers and requests.",
    ),
    (
        "requests_raise",
        "Requests raise",
        1,
        1,
        2,
        "Service desks: raises goodwill, retro and change requests; reads the rest.",
    ),
    (
        "pos",
        "POS (full access)",
        2,
        2,
        2,
        "A point-of-sale till: customers, loyalty and requests, read and write.",
    ),
]


def create_groups(apps, schema_editor):
    TillAccessGroup = apps.get_model("customers", "TillAccessGroup")
    Till = apps.get_model("customers", "Till")
    for code, name, customer, loyalty, request, description in BUILT_IN_GROUPS:
        TillAccessGroup.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "customer": customer,
                "loyalty": loyalty,
                "request": request,
                "description": description,
            },
        )
    pos = TillAccessGroup.objects.get(code="pos")
    Till.objects.filter(access_group__isnull=True).update(access_group=pos)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_registry_invariants"),
    ]

    operations = [
        migrations.CreateModel(
            name="TillAccessGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=32, unique=True)),
                ("name", models.CharField(max_length=100)),
                ("description", models.TextField(blank=True)),
                (
                    "customer",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "none"), (1, "read"), (2, "read and write")],
                        default=1,
                        help_text="Customers: register, look up, read, update, change identifiers, status, subscriptions.",
                    ),
                ),
                (
                    "loyalty",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "none"), (1, "read"), (2, "read and write")],
                        default=1,
                        help_text="Loyalty: points, ledger, coupons, bills; writing adds bills and transfers points.",
                    ),
                ),
                (
                    "request",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "none"), (1, "read"), (2, "read and write")],
                        default=1,
                        help_text="Requests: read them; writing raises goodwill, retro and change requests.",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="till",
            name="access_group",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tills",
                to="customers.tillaccessgroup",
            ),
        ),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="till",
            name="access_group",
            field=models.ForeignKey(
                help_text="What the till may call (Customers › Till access groups).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tills",
                to="customers.tillaccessgroup",
            ),
        ),
        migrations.AlterField(
            model_name="apikey",
            name="key_hash",
            field=models.CharField(max_length=128),
        ),
        migrations.AddField(
            model_name="apikey",
            name="scope",
            field=models.ForeignKey(
                blank=True,
                help_text="Narrows the key to this group's levels (never widens its till's). Empty: the till's group (or the user's permissions).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.tillaccessgroup",
            ),
        ),
        migrations.AddField(
            model_name="apikey",
            name="expires_at",
            field=models.DateTimeField(blank=True, help_text="Empty: never expires.", null=True),
        ),
        migrations.AddField(
            model_name="apikey",
            name="last_used_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
