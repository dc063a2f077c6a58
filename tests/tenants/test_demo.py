"""The demo retailer that `make run` creates."""

from django.core.management import call_command
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerGroup, CustomProperty
from staff.models import User
from tenants.models import Tenant


def test_demo_setup_creates_the_demo_once_and_prints_the_logins(committed_db, capsys):
    call_command("demo_setup", "--port", "8000")
    output = capsys.readouterr().out
    assert "Created the demo retailer “Demo Market”." in output
    assert "http://demo.localhost:8000/" in output
    assert "admin     user admin     password regulars-admin" in output
    demo = Tenant.objects.get(schema_name="demo")
    with tenant_context(demo):
        assert {user.username: user.role for user in User.objects.prefetch_related("groups")} == {
            "admin": "admin",
            "marketer": "marketer",
            "cashier": "cashier",
        }
        assert User.objects.get(username="cashier").check_password("regulars-cashier")
        # 3,000 customers, 109 of them businesses with two contact persons each (a fixed seed).
        assert Customer.objects.count() == 3218
        assert Customer.objects.filter(kind="business").count() == 109
        assert CustomProperty.objects.count() == 5
        assert CustomerGroup.objects.filter(parent__isnull=False).count() == 2
    call_command("demo_setup", "--port", "8000")
    assert "Kept the demo retailer “Demo Market”." in capsys.readouterr().out
    with tenant_context(demo):
        assert Customer.objects.count() == 3218
    assert User.objects.get(username="operator").is_superuser
