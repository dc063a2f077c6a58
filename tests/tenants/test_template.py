"""A new retailer's schema is cloned from the template schema: with every migration, its own
triggers and functions, nothing shared with the template; a template that is behind or missing
is made ready first, once, also when two retailers are created at the same moment."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from customers.models import Customer, CustomerGroup, StatusCount
from tariffs.models import TariffPlan
from tenants.services import tenant_create
from tenants.template import _behind, template_schema_name, template_schema_ready

TEMPLATE = template_schema_name()


def _create(schema_name: str):
    return tenant_create(
        name=f"Cloned {schema_name}",
        schema_name=schema_name,
        plan=TariffPlan.objects.get(name="Start"),
        admin_username="owner",
        admin_email=f"owner@{schema_name.replace('_', '-')}.example",
        admin_password="a-good-password-42",
        source="test",
    )


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_a_new_retailer_is_a_clone_of_the_template_with_its_own_triggers(committed_db):
    template_schema_ready()
    tenant = _create("cloned")
    try:
        connection.set_schema_to_public()
        assert not _behind("cloned")
        migrations = "SELECT app, name FROM {}.django_migrations ORDER BY app, name"
        assert _rows(migrations.format("cloned")) == _rows(migrations.format(TEMPLATE))
        # Every trigger of the clone runs a function of the clone's own schema.
        functions = _rows(
            "SELECT DISTINCT function_schema.nspname FROM pg_trigger t "
            "JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "JOIN pg_namespace function_schema ON function_schema.oid = p.pronamespace "
            "WHERE n.nspname = %s AND NOT t.tgisinternal",
            ["cloned"],
        )
        assert functions == [("cloned",)]
        template_version = _rows(f"SELECT version FROM {TEMPLATE}.config_version")
        with tenant_context(tenant):
            before = _rows("SELECT version FROM config_version")
            CustomerGroup.objects.create(name="Regulars")
            Customer.objects.create(first_name="First", status="introduced")
            assert _rows("SELECT version FROM config_version") > before
            assert list(StatusCount.objects.values_list("status", "count")) == [("introduced", 1)]
        connection.set_schema_to_public()
        assert _rows(f"SELECT count(*) FROM {TEMPLATE}.customers_statuscount") == [(0,)]
        assert _rows(f"SELECT count(*) FROM {TEMPLATE}.customers_customer") == [(0,)]
        assert _rows(f"SELECT version FROM {TEMPLATE}.config_version") == template_version
    finally:
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)


def test_a_template_behind_is_seen_and_the_templates_name_is_not_a_retailers(committed_db):
    template_schema_ready()
    connection.set_schema_to_public()
    last = _rows(f"SELECT id, app, name, applied FROM {TEMPLATE}.django_migrations ORDER BY id DESC LIMIT 1")[0]
    _rows(f"DELETE FROM {TEMPLATE}.django_migrations WHERE id = %s", [last[0]])
    try:
        assert _behind(TEMPLATE)
    finally:
        connection.set_schema_to_public()
        _rows(f"INSERT INTO {TEMPLATE}.django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)", last)
    assert not _behind(TEMPLATE)
    assert template_schema_ready() is False
    with pytest.raises(ValidationError) as refused:
        _create(TEMPLATE)
    assert "schema_name" in refused.value.message_dict


def test_two_retailers_created_at_once_without_a_template_make_it_once(committed_db):
    connection.set_schema_to_public()
    _rows(f'DROP SCHEMA IF EXISTS "{TEMPLATE}" CASCADE')
    made, errors = {}, []
    start = threading.Barrier(2)

    def create(schema_name: str) -> None:
        try:
            start.wait()
            made[schema_name] = _create(schema_name)
        except BaseException as error:  # noqa: BLE001 — reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("first_at_once", "second_at_once")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    try:
        assert not errors, errors
        connection.set_schema_to_public()
        assert schema_exists(TEMPLATE)
        for name in ("first_at_once", "second_at_once"):
            assert not _behind(name)
            connection.set_schema_to_public()
    finally:
        connection.set_schema_to_public()
        for tenant in made.values():
            tenant.delete(force_drop=True)
