"""Fixtures of the staff console tests: staff users, customers, and a Chromium browser.

Browser tests (`@pytest.mark.browser`) drive Debian's Chromium (`/usr/bin/chromium`, installed
by `.ci/run`) through pytest-playwright against pytest-django's `live_server`. Set
`SCREENSHOTS=1` (`make screenshots`) to save each main screen under `docs/screenshots/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# next to one unless told that this is safe (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: apt-get install -y chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` saves docs/screenshots/name.png when SCREENSHOTS is set."""

    def save(page, name: str) -> None:
        if os.environ.get("SCREENSHOTS"):
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return save


def make_staff(username: str, *, roles: tuple[str, ...] = (), perms: tuple[str, ...] = ()):
    """A staff user with a password equal to `<username>-pass`, in role groups, with perms
    (`app_label.codename`) given to the user directly."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    user = get_user_model().objects.create_user(
        username=username, password=f"{username}-pass", is_staff=True
    )
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


AGENT_PERMS = ("customers.view_customer", "customers.change_customer")


@pytest.fixture
def agent(db):
    return make_staff("agent", roles=("agent",), perms=AGENT_PERMS)


@pytest.fixture
def senior(db):
    return make_staff("senior", roles=("senior agent",), perms=(*AGENT_PERMS, "customers.view_pii"))


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def senior_client(client, senior):
    client.force_login(senior)
    return client


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def make_customer(
    first_name: str = "Ann",
    last_name: str = "Smith",
    *,
    mobile: str | None = None,
    email: str | None = None,
    card: str | None = None,
    source: str = "INSTORE",
    **customer_fields,
):
    """A customer with one source profile, its identifiers and channels, written directly
    (the console reads whatever the services wrote; these tests are about reading)."""
    from tests.factories import customer_with

    return customer_with(
        first_name=first_name,
        last_name=last_name,
        source=source,
        channels=True,
        normalise=False,
        mobile=mobile,
        email=email,
        card=card,
        **customer_fields,
    )


def merge(victim, survivor) -> None:
    """Merge through the service: the database refuses a victim that still holds its rows
    (I2), so tests make victims the way production does."""
    from django.contrib.auth import get_user_model

    from customers.services import customer_merge

    actor, _ = get_user_model().objects.get_or_create(username="merger", is_staff=True)
    customer_merge(victim_id=victim.pk, survivor_id=survivor.pk, actor=actor)
