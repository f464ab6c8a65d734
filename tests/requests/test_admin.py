from django.contrib.auth import get_user_model

from loyalty.models import RequestTypeConfig


def test_type_configuration_is_editable_in_the_admin(
    settings, client, goodwill_config, django_assert_max_num_queries
):
    admin = get_user_model().objects.create_superuser("root", "root@test.local", "x")
    client.force_login(admin)
    listing = client.get("/admin/loyalty/requesttypeconfig/")
    assert listing.status_code == 200
    page = client.get(f"/admin/loyalty/requesttypeconfig/{goodwill_config.pk}/change/")
    assert page.status_code == 200
    assert "Goodwill points: the most one request may ask for" in page.content.decode()
    response = client.post(
        f"/admin/loyalty/requesttypeconfig/{goodwill_config.pk}/change/",
        {
            "type": "GOODWILL",
            "base_type": "POINTS",
            "auto_approve": "on",
            "allowed_reasons": '["POINTS_ISSUE"]',
            "goodwill_points_cap": "100",
            "notification_emails": "ops@test.local",
            "retro_enabled": "on",
        },
    )
    assert response.status_code == 302
    goodwill_config.refresh_from_db()
    assert goodwill_config.auto_approve
    assert goodwill_config.allowed_reasons == ["POINTS_ISSUE"]
    assert goodwill_config.goodwill_points_cap == 100
    assert RequestTypeConfig.objects.count() == 1
