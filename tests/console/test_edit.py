import pytest

from tests.console.conftest import make_customer, make_staff


@pytest.fixture
def ann(db):
    return make_customer("Ann", "Smith", mobile="919876543210", email="ann.smith@example.com")


def profile_edit_url(customer) -> str:
    profile = customer.profiles.get()
    return f"/admin/customers/customer/{customer.pk}/profiles/{profile.pk}/edit/"


def test_the_agent_edits_a_name_through_the_service(agent_client, ann):
    # when
    response = agent_client.post(
        profile_edit_url(ann),
        {
            "first_name": "Anne",
            "last_name": "Smith-Jones",
            "mobile_channel": "",
            "email_channel": "",
        },
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/admin/customers/customer/{ann.pk}/view/"
    profile = ann.profiles.get()
    assert (profile.first_name, profile.last_name) == ("Anne", "Smith-Jones")
    assert profile.modified_by_user.username == "agent"
    page = agent_client.get(response["Location"]).content.decode()
    assert "Anne Smith-Jones" in page
    assert "user:agent" in page  # the audit trail names who did it


def test_a_senior_agent_with_pii_replaces_a_channel(senior_client, ann):
    response = senior_client.post(
        profile_edit_url(ann),
        {"first_name": "Ann", "last_name": "Smith", "email_channel": "ann@new.example.com"},
    )

    assert response.status_code == 302
    assert list(ann.comm_channels.filter(type="email").values_list("value", flat=True)) == [
        "ann@new.example.com"
    ]


def test_a_refusal_shows_the_service_message_and_writes_nothing(agent_client, ann):
    # given: a fraud-marked customer accepts no writes (618)
    from customers.models import Customer

    Customer.objects.filter(pk=ann.pk).update(status="FRAUD_MARKED")

    # when
    response = agent_client.post(
        profile_edit_url(ann), {"first_name": "Mallory", "last_name": "Smith"}
    )

    # then
    assert response.status_code == 200
    assert "(code 618)" in response.content.decode()
    assert ann.profiles.get().first_name == "Ann"


def test_loyalty_type_cannot_go_back_to_non_loyalty(agent_client, ann):
    response = agent_client.post(
        f"/admin/customers/customer/{ann.pk}/edit/", {"loyalty_type": "non_loyalty"}
    )

    assert response.status_code == 200
    assert "(code 8018)" in response.content.decode()
    ann.refresh_from_db()
    assert ann.loyalty_type == "loyalty"


def test_extended_fields_are_validated_by_the_service(agent_client, ann):
    from customers.models import ExtendedFieldDefinition

    ExtendedFieldDefinition.objects.create(
        name="gender", data_type="string", allowed_values=["Male", "Female", "Other"]
    )

    response = agent_client.post(
        f"/admin/customers/customer/{ann.pk}/edit/",
        {"loyalty_type": "loyalty", "extended_gender": "Female"},
    )

    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.extended_fields == {"gender": "Female"}


def test_the_agent_marks_a_customer_as_fraud_with_a_reason(agent_client, ann):
    # when
    response = agent_client.post(
        f"/admin/customers/customer/{ann.pk}/status/",
        {"status": "FRAUD_MARKED", "reason": "Card used in two cities at once"},
    )

    # then
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.status == "FRAUD_MARKED"
    change = ann.status_changes.get()
    assert (change.reason, change.changed_by_user.username) == (
        "Card used in two cities at once",
        "agent",
    )
    page = agent_client.get(response["Location"]).content.decode()
    assert "fraud marked" in page and "Card used in two cities at once" in page


def test_a_status_change_needs_a_reason(agent_client, ann):
    response = agent_client.post(
        f"/admin/customers/customer/{ann.pk}/status/", {"status": "SUSPENDED", "reason": ""}
    )

    assert response.status_code == 200
    ann.refresh_from_db()
    assert ann.status == "ACTIVE"
    assert not ann.status_changes.exists()


def test_a_read_only_auditor_cannot_edit(client, ann):
    client.force_login(
        make_staff("auditor", roles=("auditor",), perms=("customers.view_customer",))
    )

    page = client.get(f"/admin/customers/customer/{ann.pk}/view/").content.decode()
    response = client.post(profile_edit_url(ann), {"first_name": "X", "last_name": "Y"})

    assert "/edit/" not in page
    assert response.status_code == 403
    assert ann.profiles.get().first_name == "Ann"


def test_without_pii_the_profile_form_shows_channels_masked_and_read_only(agent_client, ann):
    # when
    response = agent_client.get(profile_edit_url(ann))

    # then
    body = response.content.decode()
    form = response.context["form"]
    assert "919876543210" not in body and "ann.smith@example.com" not in body
    assert 'value="••••••••3210"' in body and 'value="a•••@example.com"' in body
    assert form.fields["mobile_channel"].disabled and form.fields["email_channel"].disabled


def test_without_pii_a_save_never_writes_a_channel(agent_client, ann):
    # when: the masked text (or anything else) is posted back in the channel boxes
    response = agent_client.post(
        profile_edit_url(ann),
        {
            "first_name": "Anne",
            "last_name": "Smith",
            "mobile_channel": "••••••••3210",
            "email_channel": "mallory@example.com",
        },
    )

    # then: the name is saved, the channels are untouched
    assert response.status_code == 302
    assert ann.profiles.get().first_name == "Anne"
    assert dict(ann.comm_channels.values_list("type", "value")) == {
        "mobile": "919876543210",
        "email": "ann.smith@example.com",
    }


def test_with_pii_the_profile_form_shows_channels_in_full_and_editable(senior_client, ann):
    response = senior_client.get(profile_edit_url(ann))

    body = response.content.decode()
    form = response.context["form"]
    assert 'value="919876543210"' in body and 'value="ann.smith@example.com"' in body
    assert not form.fields["mobile_channel"].disabled
    assert not form.fields["email_channel"].disabled


def test_the_status_history_shows_the_reason_once(agent_client, ann):
    agent_client.post(
        f"/admin/customers/customer/{ann.pk}/status/",
        {"status": "SUSPENDED", "reason": "Consolecheck: checking"},
    )

    body = agent_client.get(f"/admin/customers/customer/{ann.pk}/view/").content.decode()

    assert "<td>Consolecheck: checking</td>" in body
    assert "SUSPENDED Consolecheck" not in body


def test_a_refusal_is_worded_for_staff_with_its_code(agent_client, ann):
    from customers.models import Customer

    Customer.objects.filter(pk=ann.pk).update(status="FRAUD_MARKED")

    response = agent_client.post(
        profile_edit_url(ann), {"first_name": "Mallory", "last_name": "Smith"}
    )

    body = response.content.decode()
    assert "This customer is marked as fraud" in body and "(code 618)" in body
    assert "Not allowed - customer is marked as fraud." not in body
