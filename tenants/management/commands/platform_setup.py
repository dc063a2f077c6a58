from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.services import platform_setup


class Command(BaseCommand):
    help = "Make the public schema serve the platform operator (tenant row, domain, default plans)."

    def add_arguments(self, parser):
        parser.add_argument("--domain", default=settings.BASE_DOMAIN, help="the platform's own host name")

    def handle(self, *args, domain, **options):
        platform_setup(public_domain=domain)
        self.stdout.write(f"Platform ready at {domain}")
