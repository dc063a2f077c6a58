"""`make bench` at size S, once, on throw-away services: it must complete and write a table with
every row of BENCHMARKS.md (timings are measured, never asserted here)."""

import os
import subprocess
import sys

# The operations of BENCHMARKS.md's two tables, as the report names them.
OPERATIONS = (
    "customer list, first page, no filter / any one filter / search by name, phone, e-mail or card",
    "customer list with three filters incl. a custom property and a group with sub-groups",
    "customer card and each of its tabs",
    "POS: register a sale of 5 lines with points accrual, 16 concurrent clients on loopback",
    "POS: look a customer up by card barcode",
    'report "Buyers of a product" (one product group, 12 months, all stores) to .xlsx',
    'report "Sales / discounts" (one product group, 12 months) to .xlsx',
    "RFM scores and segments for all customers",
    "export of all 1,000,000 customers with custom properties to .xlsx",
    "import of 100,000 customers from .xlsx (validated)",
    "import of 1,000,000 customers (contacts, consents, properties, numbers, cards, opening balances)",
    "import of the L sales history as one file (4,000,000 receipts / 12,000,000 lines)",
    "segment of five conditions: live count",
    "cashier's screen: card look-up / register a sale",
    "dashboard",
    "a new tenant ready to log in",
    "1,000 retailer schemas: `migrate_schemas` of a no-op migration, all of them",
    "Excel export of customers",
    "POS sale with accrual",
    "customer list page",
)


def test_the_s_benchmark_completes_and_writes_every_row(project_root, artifacts_dir):
    output = artifacts_dir / "benchmarks-S.md"
    output.unlink(missing_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("REGULARS_", "DJANGO_"))}
    env["REGULARS_TEST_SLOT"] = os.environ.get("REGULARS_TEST_SLOT", "")
    result = subprocess.run(
        [sys.executable, "-m", "stack", "bench", "--size", "S", "--smoke", "--output", str(output)],
        cwd=project_root,
        env=env,
        timeout=1800,
    )
    assert result.returncode == 0
    table = output.read_text()
    assert "<!-- bench:S -->" in table
    assert "the run failed" not in table
    missing = [operation for operation in OPERATIONS if operation.replace("|", "\\|") not in table]
    assert missing == []
