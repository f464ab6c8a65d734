"""The global exception handler: every error kind answers the documented envelope."""

import logging

import pytest

from config import codes
from config.errors import Warnings, status_item
from tests.conftest import basic_auth

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]


def assert_envelope(response, http_status: int, code: int) -> dict:
    """The response is `{"errors":[{status,code,message}],"warnings":[]}` with this status."""
    assert response.status_code == http_status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors", "warnings"}
    assert body["warnings"] == []
    assert body["errors"], body
    for item in body["errors"]:
        assert set(item) == {"status", "code", "message"}
        assert item["status"] is False
        assert isinstance(item["message"], str) and item["message"]
    assert body["errors"][0]["code"] == code
    return body


@pytest.mark.parametrize("code", [618, 1001, 816, 8101])
def test_domain_error_answers_its_registry_code_and_http_status(till_client, code):
    registered = codes.get(code)

    response = till_client.get(f"/v2/_test/domain-error?code={code}")

    body = assert_envelope(response, registered.http_status, code)
    assert body["errors"][0]["message"] == registered.message


def test_unknown_customer_is_404_with_the_customer_code(till_client):
    response = till_client.get("/v2/_test/customers/999999")

    body = assert_envelope(response, 404, 816)
    assert body["errors"][0]["message"] == codes.get(816).message


def test_non_numeric_customer_id_is_404_not_500(till_client):
    assert_envelope(till_client.get("/v2/_test/customers/abc"), 404, 816)


def test_validation_error_answers_400_with_the_field_named(till_client):
    response = till_client.post("/v2/_test/echo", {"name": "far too long a name"}, format="json")

    body = assert_envelope(response, 400, 400)
    messages = [item["message"] for item in body["errors"]]
    assert any(m.startswith("name: ") for m in messages)
    assert any(m.startswith("mobile: ") for m in messages)
    assert {item["code"] for item in body["errors"]} == {400}


def test_validation_error_keeps_the_fields_numeric_code(till_client):
    response = till_client.post(
        "/v2/_test/echo", {"name": "ok", "mobile": "not-a-number"}, format="json"
    )

    body = assert_envelope(response, 400, 1001)
    assert body["errors"] == [status_item(1001, "mobile: Invalid mobile number")]


def test_nested_validation_errors_name_the_path_of_each_field(till_client):
    response = till_client.post(
        "/v2/_test/basket",
        {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 0}], "tags": ["x", 2, "y"]},
        format="json",
    )

    body = assert_envelope(response, 400, 400)
    messages = sorted(item["message"].split(":")[0] for item in body["errors"])
    assert messages == ["lines.1.qty", "tags.0", "tags.2"]


def test_object_level_validation_error_has_no_field_prefix(till_client):
    lines = [{"sku": "a", "qty": 1}] * 3

    response = till_client.post("/v2/_test/basket", {"lines": lines}, format="json")

    body = assert_envelope(response, 400, 400)
    assert body["errors"] == [status_item(400, "Too many lines")]


def test_malformed_json_is_400(till_client):
    response = till_client.post(
        "/v2/_test/echo", data='{"name": "x",', content_type="application/json"
    )

    body = assert_envelope(response, 400, 400)
    assert body["errors"][0]["message"].startswith("Malformed request body")


def test_unsupported_media_type_is_415_inside_and_out(till_client):
    response = till_client.post("/v2/_test/echo", data="name=x", content_type="text/plain")

    body = assert_envelope(response, 415, 415)
    assert "text/plain" in body["errors"][0]["message"]


def test_an_accept_header_the_api_cannot_answer_is_406_inside_and_out(till_client):
    response = till_client.get("/v2/_test/whoami", HTTP_ACCEPT="text/csv")

    body = assert_envelope(response, 406, 406)
    assert "Accept" in body["errors"][0]["message"]


def test_a_real_endpoint_answers_415_and_writes_nothing(till_client):
    from customers.models import Customer

    response = till_client.post(
        "/v2/customers?source=INSTORE", data="mobile=919845012345", content_type="text/plain"
    )

    assert_envelope(response, 415, 415)
    assert Customer.objects.count() == 0


def test_missing_credentials_is_401(api_client):
    response = api_client.get("/v2/_test/whoami")

    assert_envelope(response, 401, 401)
    assert response["WWW-Authenticate"].startswith("Basic")


def test_wrong_secret_is_401(api_client, till):
    api_client.credentials(HTTP_AUTHORIZATION=basic_auth("test.till", "wrong"))

    assert_envelope(api_client.get("/v2/_test/whoami"), 401, 401)


def test_missing_permission_is_403(till_client):
    body = assert_envelope(till_client.get("/v2/_test/forbidden"), 403, 403)
    assert body["errors"][0]["message"] == codes.get(403).message


def test_django_permission_denied_is_403(till_client):
    assert_envelope(till_client.get("/v2/_test/django-forbidden"), 403, 403)


def test_wrong_method_is_405_in_the_envelope(till_client):
    assert_envelope(till_client.delete("/v2/_test/whoami"), 405, 405)


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_route_under_v2_is_404_even_without_credentials(api_client, method):
    response = getattr(api_client, method)("/v2/no/such/route")

    assert_envelope(response, 404, 404)


@pytest.mark.urls("config.urls")
def test_unknown_route_with_the_real_urlconf_is_404(api_client):
    assert_envelope(api_client.get("/v2/nothing-here"), 404, 404)


def test_unexpected_exception_is_500_in_the_envelope_logged_with_the_request_id(
    till_client, caplog
):
    caplog.set_level(logging.ERROR, logger="config.api")

    response = till_client.get("/v2/_test/crash", HTTP_X_REQUEST_ID="req-crash-42")

    body = assert_envelope(response, 500, 500)
    message = body["errors"][0]["message"]
    assert "req-crash-42" in message
    assert "boom" not in message  # internals are not shown to the caller
    assert response["X-Request-ID"] == "req-crash-42"
    records = [r for r in caplog.records if r.name == "config.api"]
    assert records and "req-crash-42" in records[0].getMessage()
    assert records[0].exc_info and records[0].exc_info[0] is RuntimeError


def test_database_unavailable_is_503_with_retry_after(till_client, caplog):
    response = till_client.get("/v2/_test/db-down")

    assert_envelope(response, 503, 503)
    assert response["Retry-After"] == "5"


def test_other_database_error_is_500_and_logged(till_client, caplog):
    caplog.set_level(logging.ERROR, logger="config.api")

    response = till_client.get("/v2/_test/db-error", HTTP_X_REQUEST_ID="req-db-7")

    body = assert_envelope(response, 500, 500)
    assert "req-db-7" in body["errors"][0]["message"]
    assert any("req-db-7" in r.getMessage() for r in caplog.records if r.name == "config.api")


def test_warnings_share_the_item_shape_and_are_collected_once(till_client):
    response = till_client.get("/v2/_test/warnings")

    assert response.status_code == 200
    assert response.json() == {
        "data": [],
        "warnings": [
            {"status": False, "code": 8050, "message": codes.get(8050).message},
            {"status": False, "code": 8069, "message": "a warning of our own wording"},
        ],
        "errors": [],
    }


def test_warnings_fill_named_placeholders():
    warnings = Warnings()
    warnings.add(1215, x="birthday")

    assert warnings == [
        {"status": False, "code": 1215, "message": "birthday cannot be a past date."}
    ]


def test_domain_error_fills_named_placeholders(till_client):
    response = till_client.get("/v2/_test/domain-error?code=1215&x=anniversary")

    body = assert_envelope(response, 400, 1215)
    assert body["errors"][0]["message"] == "anniversary cannot be a past date."


def test_domain_error_fills_positional_placeholders(till_client):
    # 8006 "…Customer already exists with id {0} for same source": the seeds' {0} form.
    response = till_client.get("/v2/_test/domain-error?code=8006&0=42")

    body = assert_envelope(response, 400, 8006)
    assert body["errors"][0]["message"] == (
        "Add failed, Customer already exists with id 42 for same source"
    )


@pytest.mark.parametrize("path", ["/v2/_test/crash", "/v2/_test/domain-error", "/v2/nowhere"])
def test_a_browser_asking_for_html_still_gets_the_json_envelope(till_client, path):
    response = till_client.get(path, HTTP_ACCEPT="text/html")

    assert 400 <= response.status_code < 600
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["status"] is False
