"""The back office shell: dashboard figures, navigation by role, language switching."""

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer
from staff.models import User


def customers_add(setup, **counts: int) -> None:
    with tenant_context(setup.tenant):
        Customer.objects.bulk_create(
            Customer(first_name="Mari", last_name=f"Tamm {status} {number}", status=status)
            for status, count in counts.items()
            for number in range(count)
        )


@pytest.mark.django_db
def test_dashboard_shows_the_retailers_own_figures(alpha, beta, django_assert_max_num_queries, tenant_client):
    customers_add(alpha, introduced=4, control=2, archived=1)
    customers_add(beta, introduced=9)
    client = tenant_client(alpha, alpha.admin)
    with django_assert_max_num_queries(16):
        response = client.get("/")
    assert response.context["customers"] == {"introduced": 4, "control": 2, "archived": 1, "total": 7}
    assert response.context["staff_active"] == 3
    usage = {item.resource: (item.used, item.limit) for item in response.context["usage"]}
    assert usage == {"active_customers": (6, 20000), "staff_users": (3, 15), "stores": (0, 10), "terminals": (0, 30)}
    page = response.content.decode()
    assert 'data-testid="customers-total">7<' in page
    assert "6 of 20,000" in page


@pytest.mark.django_db
def test_dashboard_of_a_cashier_has_no_plan_and_no_settings(alpha, tenant_client):
    response = tenant_client(alpha, alpha.cashier).get("/")
    assert response.context["usage"] is None
    page = response.content.decode()
    assert "/settings/staff/" not in page
    assert "Plan and usage" not in page
    admin_page = tenant_client(alpha, alpha.admin).get("/").content.decode()
    assert 'href="/settings/staff/"' in admin_page


@pytest.mark.django_db
def test_the_interface_follows_the_language_the_user_chooses(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post("/language/", {"language": "de", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "Übersicht" in page
    with tenant_context(alpha.tenant):
        assert User.objects.get(username="marketer").language == "de"
    # The choice is kept on the account: a new session on another device opens in German too.
    assert '<html lang="de">' in tenant_client(alpha, alpha.marketer).get("/").content.decode()
    page = client.post("/language/", {"language": "et", "next": "/"}, follow=True).content.decode()
    assert '<html lang="et">' in page
    assert "Töölaud" in page


@pytest.mark.django_db
def test_numbers_follow_the_users_language(alpha, tenant_client):
    customers_add(alpha, introduced=1)
    client = tenant_client(alpha, alpha.admin)
    client.post("/language/", {"language": "de", "next": "/"})
    assert "1 von 20.000" in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_ignored(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post("/language/", {"language": "xx", "next": "/"})
    assert response["Location"] == "/"
    with tenant_context(alpha.tenant):
        assert User.objects.get(username="admin").language == "en"


@pytest.mark.django_db
def test_the_language_switch_never_redirects_to_another_site(alpha, tenant_client):
    response = tenant_client(alpha, alpha.admin).post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_login_page_can_be_switched_before_logging_in(alpha, tenant_client):
    client = tenant_client(alpha)
    page = client.post("/language/", {"language": "et", "next": "/login/"}, follow=True).content.decode()
    assert '<html lang="et">' in page
    assert "Logi sisse" in page


@pytest.mark.django_db
def test_a_refused_request_is_one_warning_line(alpha, caplog, tenant_client):
    """A 403 is expected: one WARNING that names the user, the path and the reason, with no
    traceback, and no second copy of it from Django's own handlers."""
    import logging

    client = tenant_client(alpha, alpha.cashier)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.get("/reports/")
    assert response.status_code == 403
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1
    (warning,) = warnings
    assert warning.levelname == "WARNING"
    assert (warning.exc_info, warning.exc_text) == (None, None)
    assert warning.getMessage() == "Refused /reports/ to cashier: the right “use_marketing” is needed"
    assert "Traceback" not in caplog.text
    assert logging.getLogger("django").handlers == []
