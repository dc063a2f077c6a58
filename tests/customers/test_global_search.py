"""The header's search box: one match opens the card, several show the list; alpha's box never
finds beta's customers."""

import pytest
from django_tenants.utils import tenant_context

from customers.models import Customer


@pytest.mark.django_db
def test_one_match_opens_the_card_and_several_show_the_list(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        kadri = Customer.objects.create(first_name="Kadri", last_name="Kask", status="introduced")
        Customer.objects.create(first_name="Kadi", last_name="Mets", status="introduced")
        Customer.objects.create(first_name="Kadi", last_name="Lepp", status="introduced")
    with tenant_context(beta.tenant):
        Customer.objects.create(first_name="Kadri", last_name="Kask-Beta", status="introduced")
    client = tenant_client(alpha, alpha.marketer)
    one = client.get("/customers/", {"q": "Kadri", "go": "1"})
    assert (one.status_code, one["Location"]) == (302, f"/customers/{kadri.pk}/")
    several = client.get("/customers/", {"q": "Kadi", "go": "1"})
    assert several.status_code == 200
    assert sorted(str(row.customer) for row in several.context["rows"]) == ["Kadi Lepp", "Kadi Mets"]
    without_go = client.get("/customers/", {"q": "Kadri"})
    assert without_go.status_code == 200
    assert [str(row.customer) for row in without_go.context["rows"]] == ["Kadri Kask"]
    page = client.get("/")
    assert 'data-testid="global-search"' in page.content.decode()
