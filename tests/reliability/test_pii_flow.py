"""A whole flow with personal data, by staff without `customers.view_pii`: register, search,
raise an identifier change, approve it, the notification. No full mobile or e-mail may
appear in any response body, console page, log line or sent message (config.masking)."""

from __future__ import annotations

import datetime
import io
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from rest_framework.test import APIClient

from customers.models import Identifier
from loyalty.models import Request, RequestBaseType, RequestStatus, RequestType, RequestTypeConfig

MOBILE_AS_TYPED = "+91-64572-19425"
MOBILE = "916457219425"
NEW_MOBILE = "916457200077"
EMAIL = "jane.doe@example.com"
# Every form a full value could leak in.
FULL_VALUES = (
    MOBILE,
    MOBILE[2:],
    "64572-19425",
    "64572 19425",
    NEW_MOBILE,
    NEW_MOBILE[2:],
    EMAIL,
    "jane.doe%40",
    "jane.doe@",
)


class Recorder:
    """What left the application: bodies, and each request's access-log line as gunicorn's
    MaskingLogger writes it (the query string as a client sends it, `@` as `%40`)."""

    def __init__(self):
        from gunicorn.config import Config

        from config.gunicorn_logging import MaskingLogger

        self.bodies: list[str] = []
        cfg = Config()
        cfg.set("accesslog", "-")
        self.access = MaskingLogger(cfg)
        self.access_stream = io.StringIO()
        for handler in self.access.access_log.handlers:
            handler.setStream(self.access_stream)

    def send(self, client, method: str, path: str, query: dict | None = None, body=None):
        query_string = urlencode(query or {})
        url = f"{path}?{query_string}" if query_string else path
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, body or {}, format="json")
        self.bodies.append(response.content.decode())
        self._log(method.upper(), path, query_string, response.status_code)
        return response

    def _log(self, method, path, query, status):
        uri = f"{path}?{query}" if query else path
        environ = {
            "REQUEST_METHOD": method,
            "RAW_URI": uri,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        resp = SimpleNamespace(status=f"{status} X", headers=[], response_length=1, sent=1)
        req = SimpleNamespace(headers=[], method=method, path=path, query=query, version=(1, 1))
        self.access.access(resp, req, environ, datetime.timedelta(seconds=0.01))


def _staff(username: str, *perms: str, groups=()):
    user = get_user_model().objects.create_user(
        username=username, password="x", is_staff=True, email=f"{username}@test.local"
    )
    user.groups.add(*Group.objects.filter(name__in=groups))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = get_user_model().objects.get(pk=user.pk)
    assert not user.has_perm("customers.view_pii")
    client = APIClient()
    client.force_login(user)
    return client


def test_no_full_value_leaves_for_staff_without_pii(
    db, console_log, django_capture_on_commit_callbacks
):
    from customers.demo import grant_roles

    grant_roles()
    RequestTypeConfig.objects.create(
        type=RequestType.CHANGE_IDENTIFIER,
        base_type=RequestBaseType.MOBILE,
        notification_emails="ops@test.local",
    )
    agent = _staff("agent", groups=("agent",))
    checker = _staff(
        "checker",
        "customers.view_customer",
        "loyalty.view_request",
        "loyalty.check_identifier_change_request",
    )
    seen = Recorder()

    with django_capture_on_commit_callbacks(execute=True):
        # register (the agent types the values; the answer is an id)
        registered = seen.send(
            agent,
            "post",
            "/v2/customers",
            {"source": "INSTORE"},
            {
                "profiles": [
                    {
                        "firstName": "Jane",
                        "lastName": "Doe",
                        "identifiers": [
                            {"type": "mobile", "value": MOBILE_AS_TYPED},
                            {"type": "email", "value": "Jane.Doe@Example.com"},
                        ],
                        "commChannels": [{"type": "email", "value": EMAIL, "primary": True}],
                    }
                ]
            },
        )
        assert registered.status_code == 200, registered.content
        customer_id = registered.json()["createdId"]
        assert Identifier.objects.filter(customer_id=customer_id, value=MOBILE).exists()

        # search: the API and the console, by name and by the mobile's last digits
        found = seen.send(agent, "get", "/v2/customers/search", {"q": "jane"})
        assert found.json()["data"][0]["userId"] == customer_id
        seen.send(agent, "get", "/v2/customers/search", {"q": "jane", "pii": "full"})  # 1044
        seen.send(agent, "get", f"/v2/customers/{customer_id}", {"source": "ALL"})
        page = seen.send(agent, "get", "/admin/customers/customer/", {"q": "19425"})
        assert "Jane" in page.content.decode()
        seen.send(agent, "get", f"/admin/customers/customer/{customer_id}/view/")

        # an identifier change, refused once (the new value taken: the message quotes it?)
        made = seen.send(
            agent,
            "post",
            "/v2/requests",
            None,
            {
                "type": "CHANGE_IDENTIFIER",
                "baseType": "MOBILE",
                "customerId": customer_id,
                "source": "INSTORE",
                "oldValue": MOBILE,
                "newValue": NEW_MOBILE,
                "reason": f"customer changed phone from {MOBILE_AS_TYPED}",
            },
        )
        assert made.status_code == 200, made.content
        request_id = made.json()["createdId"]
        seen.send(
            agent,
            "post",
            "/v2/requests",
            None,
            {
                "type": "CHANGE_IDENTIFIER",
                "baseType": "MOBILE",
                "customerId": customer_id,
                "oldValue": NEW_MOBILE,
                "newValue": MOBILE,
            },
        )
        listed = seen.send(agent, "get", "/v2/requests", {"status": "PENDING"})
        assert listed.json()["data"][0]["payload"]["newValue"].endswith("0077")
        seen.send(checker, "get", f"/v2/requests/{request_id}")
        seen.send(agent, "get", f"/v2/customers/{customer_id}/retroRequest")
        seen.send(agent, "get", "/admin/loyalty/request/")
        seen.send(checker, "get", f"/admin/loyalty/request/{request_id}/view/")

        # approve, by a checker who may not see the values either
        decided = seen.send(
            checker, "put", "/v2/requests", None, [{"id": request_id, "status": "APPROVED"}]
        )
        assert decided.json()["data"][0]["status"] == RequestStatus.APPROVED, decided.content
    assert Request.objects.get(pk=request_id).status == RequestStatus.APPROVED
    assert Identifier.objects.filter(customer_id=customer_id, value=NEW_MOBILE).exists()
    # the single view's audit trail now holds the change
    seen.send(agent, "get", f"/admin/customers/customer/{customer_id}/view/")

    # the notifications (made, decided) went out
    assert len(mail.outbox) >= 2
    messages = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    logged = [console_log.getvalue(), seen.access_stream.getvalue()]
    assert "%40" not in seen.access_stream.getvalue()  # decoded, then masked
    for kind, texts in (("body", seen.bodies), ("log", logged), ("mail", messages)):
        for text in texts:
            lowered = text.lower()
            leaked = [value for value in FULL_VALUES if value.lower() in lowered]
            if leaked:
                i = lowered.find(leaked[0].lower())
            assert leaked == [], f"{kind} shows {leaked}: {text[max(0, i - 300) : i + 100]}"
    # and the masked forms are there for the reader
    assert "••••••••0077" in messages[-1]
