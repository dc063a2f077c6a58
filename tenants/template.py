"""The template schema a new retailer's schema is cloned from.

Migrating a new schema runs every migration of every app (3–18 s, most of a new retailer's
wait); cloning a schema kept migrated takes half a second. django-tenants clones from
TENANT_BASE_SCHEMA when TENANT_CREATION_FAKES_MIGRATIONS is on, tables, functions, triggers,
sequences and the rows the migrations wrote (content types, permissions, the roles, the
configuration version), then marks the migrations applied without running them. So the template
must hold every migration: `template_schema_ready` creates it when it is missing and migrates it
when it is behind, under an advisory lock (two retailers created at once migrate it once), before
each clone. `migrate_schemas` leaves it alone (it is no retailer); the `template_migrate` command
after each deployment's migrations brings it up to date ahead of the first new retailer.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, schema_exists

# Any number that is this lock's alone (the advisory locks of PostgreSQL are one key space).
LOCK = 7_208_190_211


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def _behind(schema_name: str) -> bool:
    """Whether the schema lacks a migration that a retailer's schema has."""
    with schema_context(schema_name):
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def template_schema_ready(*, verbosity: int = 0) -> bool:
    """Create or migrate the template when it is missing or behind; True when it did."""
    name = template_schema_name()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        if schema_exists(name) and not _behind(name):
            return False
        connection.set_schema_to_public()
        if not schema_exists(name):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{name}"')
        call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity)
        return True
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
