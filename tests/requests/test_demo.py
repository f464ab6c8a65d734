import io

from django.contrib.auth.models import Group
from django.core.management import call_command

from loyalty.models import Request, RequestBaseType, RequestStatus, RequestTypeConfig


def test_demo_requests_cover_every_type_and_state_and_are_idempotent(db):
    # load_demo runs every app's loader (several seconds): one test covers both runs.
    call_command("load_demo", "--force", stdout=io.StringIO())
    count = Request.objects.count()
    call_command("load_demo", "--force", stdout=io.StringIO())
    assert Request.objects.count() == count
    assert RequestTypeConfig.objects.count() == len(RequestBaseType.values)
    goodwill = RequestTypeConfig.objects.get(base_type="POINTS")
    assert not goodwill.auto_approve
    assert goodwill.goodwill_points_cap == 5000
    assert "SERVICE_RECOVERY" in goodwill.allowed_reasons
    states = set(Request.objects.values_list("base_type", "status"))
    for base_type in RequestBaseType.values:
        for status in (RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.REJECTED):
            if (base_type, status) == (RequestBaseType.ERASE, RequestStatus.APPROVED):
                continue  # the demo erases nobody
            assert (base_type, status) in states, (base_type, status)
    supervisor = set(
        Group.objects.get(name="supervisor").permissions.values_list("codename", flat=True)
    )
    assert {"check_goodwill_request", "make_goodwill_request"} <= supervisor
    agent = set(Group.objects.get(name="agent").permissions.values_list("codename", flat=True))
    assert "make_retro_request" in agent and "check_retro_request" not in agent
    auditor = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert auditor == auditor | {"view_request"} and not any(
        c.startswith("check_") for c in auditor
    )
