from django.conf import settings
from django.core.management.base import BaseCommand

from demo.services import DEMO_LOGINS, DEMO_SCHEMA, demo_tenant_setup
from staff.models import User
from tenants.services import platform_setup

OPERATOR_USERNAME = "operator"
OPERATOR_PASSWORD = "regulars-operator"


class Command(BaseCommand):
    help = "Set up the platform and the demo retailer (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", default="8000", help="the port the web server listens on, for the printed addresses"
        )

    def handle(self, *args, port, **options):
        base = settings.BASE_DOMAIN
        platform_setup(public_domain=base)
        if not User.objects.filter(username=OPERATOR_USERNAME).exists():
            User.objects.create_superuser(OPERATOR_USERNAME, f"{OPERATOR_USERNAME}@{base}", OPERATOR_PASSWORD)
        tenant, created = demo_tenant_setup(domain=f"{DEMO_SCHEMA}.{base}")
        self.stdout.write(("Created" if created else "Kept") + f" the demo retailer “{tenant.name}”.")
        self.stdout.write("")
        self.stdout.write(f"  Back office:   http://{DEMO_SCHEMA}.{base}:{port}/")
        for login in DEMO_LOGINS:
            self.stdout.write(f"    {login.role:<9} user {login.username:<9} password {login.password}")
        self.stdout.write(f"  Platform operator: http://{base}:{port}/admin/")
        self.stdout.write(f"    operator  user {OPERATOR_USERNAME:<9} password {OPERATOR_PASSWORD}")
