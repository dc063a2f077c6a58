import datetime
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from demo.bench_data import SIZES
from demo.bench_data.build import bench_build, schema_size
from demo.bench_data.checks import invariants_check
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Build the benchmark's retailer bench_s or bench_l (BENCHMARKS.md's data sets), check every "
        "invariant in SQL and give it the benchmark's 16 tills. Kept if it exists (--rebuild to make it again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="S")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--check-only", action="store_true")
        parser.add_argument("--tokens-file", default="")
        parser.add_argument(
            "--anchor",
            type=datetime.datetime.fromisoformat,
            default=None,
            help="the time the history counts back from (ISO, with a zone); the current hour by default",
        )

    def handle(self, *args, size, seed, rebuild, check_only, tokens_file, anchor, **options):
        shape = SIZES[size]
        existing = Tenant.objects.filter(schema_name=shape.schema).first()
        if existing is not None and rebuild:
            existing.delete(force_drop=True)
            existing = None
        if existing is None and not check_only:
            started = time.monotonic()
            bench_build(shape, seed, lambda line: self.stdout.write(f"  {line}", ending="\n"), anchor)
            self.stdout.flush()
            total = time.monotonic() - started
            self.stdout.write(f"Built {shape.schema} in {total / 60:.1f} min.")
            existing = Tenant.objects.get(schema_name=shape.schema)
        elif existing is not None:
            self.stdout.write(f"Kept the benchmark's retailer {shape.schema} (--rebuild makes it again).")
        else:
            self.stderr.write(f"There is no retailer {shape.schema} to check.")
            sys.exit(1)
        with tenant_context(existing):
            violations = invariants_check(shape)
            size_bytes = schema_size(shape.schema)
        for violation in violations:
            self.stdout.write(f"  {violation.count:>8}  {violation.invariant}")
        self.stdout.write(f"Size on disk: {size_bytes / 2**30:.2f} GiB.")
        if any(violation.count for violation in violations):
            self.stderr.write("The data set breaks an invariant (counts above).")
            sys.exit(1)
        if tokens_file:
            call_command("bench_tills", schema=shape.schema, tokens_file=tokens_file)
