"""config.rows: hand-written reads that make the ORM's instances, prepared on the server."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import rows
from config.authentication import api_key_by_prefix, till_by_code
from customers.models import ApiKey, Customer, Store, Till


def test_joined_relations_are_the_rows_select_related_would_give(till, admin_user):
    # given: a till's key (till and store joined) and a staff user's key (no till)
    till_key, _ = ApiKey.issue(till=till, name="till key")
    user_key, _ = ApiKey.issue(user=admin_user, name="user key")

    # when: they are read back with their relations, in one query each
    with CaptureQueriesContext(connection) as captured:
        read_till_key = api_key_by_prefix(till_key.prefix)
        read_user_key = api_key_by_prefix(user_key.prefix)
        till_code = read_till_key.till.store.code
        user_name = read_user_key.user.username
        no_till = read_user_key.till
    assert len(captured.captured_queries) == 2

    # then: the instances are the ones the ORM reads
    assert read_till_key == till_key and read_till_key.till == till
    assert till_code == till.store.code == "test.store"
    assert (user_name, no_till) == (admin_user.username, None)
    assert read_user_key.created_at == ApiKey.objects.get(pk=user_key.pk).created_at
    assert till_by_code("test.till").store == Store.objects.get(code="test.store")
    assert till_by_code("nobody") is None


def test_a_revoked_key_is_not_read(till):
    from django.utils import timezone

    key, _ = ApiKey.issue(till=till)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert api_key_by_prefix(key.prefix) is None


def test_point_reads_are_prepared_with_a_generic_plan(db):
    customer = Customer.objects.create()
    sql = f"SELECT {rows.columns(Customer)} FROM {rows.table(Customer)} WHERE id = %s"
    for _ in range(8):  # past the connection's prepare threshold
        assert rows.instances(Customer, sql, [customer.pk]) == [customer]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"SELECT {rows.columns(Customer)}%"],
        )
        plans = cursor.fetchall()
    assert len(plans) == 1
    generic, custom = plans[0]
    assert generic >= 1 and custom == 0


def test_prepared_reads_are_logged_with_their_values(db):
    customer = Customer.objects.create()
    with CaptureQueriesContext(connection) as captured:
        rows.by_pk(Customer, customer.pk)
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].endswith(f"WHERE \"id\" = {customer.pk}")


def test_till_rows_come_back_converted(till):
    read = till_by_code(till.code)
    assert isinstance(read, Till)
    assert read.created_at == Till.objects.get(pk=till.pk).created_at
    assert read.created_at.tzinfo is not None
