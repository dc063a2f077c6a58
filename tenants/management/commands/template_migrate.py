"""Bring the template schema new retailers are cloned from up to date (tenants.template)."""

from django.core.management.base import BaseCommand

from tenants.template import template_schema_name, template_schema_ready


class Command(BaseCommand):
    help = "Create or migrate the template schema that new retailers' schemas are cloned from."

    def handle(self, *args, **options):
        changed = template_schema_ready(verbosity=max(0, options["verbosity"] - 1))
        state = "migrated" if changed else "already up to date"
        if options["verbosity"]:
            self.stdout.write(f"Template schema {template_schema_name()}: {state}.")
