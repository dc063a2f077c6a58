import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tariffs.models import TariffPlan
from tenants.rules import DEFAULT_CURRENCY, DEFAULT_TIME_ZONE
from tenants.services import tenant_create


class Command(BaseCommand):
    help = "Create a retailer ready to log in to: schema, domain and first admin user."

    def add_arguments(self, parser):
        parser.add_argument("schema_name", help="short name: the schema and the sub-domain")
        parser.add_argument("--name", required=True, help="the retailer's name")
        parser.add_argument("--plan", required=True, help="name of the tariff plan")
        parser.add_argument("--domain", help="host name (default: <schema_name>.<REGULARS_BASE_DOMAIN>)")
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", help="asked for when not given")
        parser.add_argument("--language", default="en", choices=["en", "de", "et"])
        parser.add_argument(
            "--currency",
            default=DEFAULT_CURRENCY,
            help=f"ISO 4217 code of the retailer's currency (default: {DEFAULT_CURRENCY}); fixed after the first sale",
        )
        parser.add_argument(
            "--time-zone",
            default=DEFAULT_TIME_ZONE,
            help=f"the shops' time zone, e.g. Europe/Berlin (default: {DEFAULT_TIME_ZONE}); fixed after the first sale",
        )

    def handle(self, *args, **options):
        try:
            plan = TariffPlan.objects.get(name=options["plan"])
        except TariffPlan.DoesNotExist as error:
            names = ", ".join(TariffPlan.objects.values_list("name", flat=True))
            raise CommandError(f"No tariff plan named {options['plan']!r}; there are: {names}") from error
        password = options["admin_password"] or getpass.getpass("Password of the first admin: ")
        try:
            tenant = tenant_create(
                name=options["name"],
                schema_name=options["schema_name"],
                domain=options["domain"],
                plan=plan,
                admin_username=options["admin_username"],
                admin_email=options["admin_email"],
                admin_password=password,
                language=options["language"],
                currency=options["currency"],
                time_zone=options["time_zone"],
                acting_user=None,
                source="manage.py tenant_provision",
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            ) from error
        self.stdout.write(f"Retailer {tenant.name} ready at http://{tenant.get_primary_domain().domain}/")
