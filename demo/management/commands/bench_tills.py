import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from sales.models import Store, Terminal
from sales.services.stores import terminal_create, terminal_rotate
from tenants.models import Tenant

TILLS = 16
TILL_NAME = "Benchmark till {number}"


class Command(BaseCommand):
    help = (
        "Give a retailer the benchmark's 16 POS terminals (made, or given new tokens if they exist) "
        "and write their tokens to a JSON file: the tills of `make bench`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True)
        parser.add_argument("--tokens-file", required=True)

    def handle(self, *args, schema, tokens_file, **options):
        tenant = Tenant.objects.get(schema_name=schema)
        tokens = []
        with tenant_context(tenant):
            stores = list(Store.objects.filter(is_active=True).order_by("id"))
            for number in range(1, TILLS + 1):
                name = TILL_NAME.format(number=number)
                existing = Terminal.objects.filter(name=name, is_active=True).first()
                try:
                    if existing is not None:
                        terminal, token = terminal_rotate(terminal=existing)
                    else:
                        store = stores[(number - 1) % len(stores)]
                        terminal, token = terminal_create(tenant=tenant, store=store, name=name)
                except ValidationError as error:
                    # The plan's terminal limit: the tills share the terminals there are.
                    self.stderr.write(f"{name}: {' '.join(error.messages)}")
                    break
                tokens.append({"terminal": terminal.pk, "store": terminal.store_id, "token": token})
        path = Path(tokens_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, indent=2))
        self.stdout.write(f"{len(tokens)} terminals of {schema}: tokens in {path}")
