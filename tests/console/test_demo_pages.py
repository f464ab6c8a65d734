"""The console's main pages answer for every demo user on the demo data (`load_demo`)."""

from django.core.management import call_command

PAGES = [
    "/admin/",
    "/admin/customers/customer/",
    "/admin/customers/customer/?q=ann",
    "/admin/customers/customer/?q=0001",
    "/admin/auth/group/roles/",
    "/admin/loyalty/request/",
    "/admin/loyalty/request/?status=ALL",
]


def test_every_demo_user_opens_the_console_pages(client, db):
    # given: the demo data (loaded once: it takes a few seconds)
    from django.contrib.auth import get_user_model

    from customers.models import Customer
    from loyalty.models import Request

    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    customer = Customer.objects.filter(merged_into__isnull=True).order_by("-pk").first()
    pages = [*PAGES, f"/admin/customers/customer/{customer.pk}/view/"]
    request = Request.objects.order_by("pk").first()
    if request is not None:
        pages.append(f"/admin/loyalty/request/{request.pk}/view/")

    for username in ["agent", "senior", "supervisor", "auditor", "admin"]:
        client.force_login(get_user_model().objects.get(username=username))
        for url in pages:
            # when
            response = client.get(url)

            # then
            assert response.status_code == 200, (username, url, response.status_code)
            assert "could not be loaded" not in response.content.decode(), (username, url)
