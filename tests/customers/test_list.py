"""The customer list: search, filters (custom properties and group trees included), bulk actions,
export, and its query budget."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerGroup, CustomerStatus
from tariffs.models import TariffPlan


def names(response) -> list[str]:
    return sorted(str(row.customer) for row in response.context["rows"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Anna Müller", "Jaan Saar", "Kohvik Mokka OÜ", "Mari Tamm", "Tiina Tamme"]),
        ("q=tamm", ["Mari Tamm", "Tiina Tamme"]),
        ("q=mari tamm", ["Mari Tamm"]),
        ("q=5123 4567", ["Mari Tamm"]),
        ("q=%2B372 5555 0000", ["Jaan Saar"]),
        ("q=anna@example", ["Anna Müller"]),
        ("q=mokka", ["Kohvik Mokka OÜ"]),
        ("status=archived", ["Old Archive"]),
        ("status=control", ["Jaan Saar"]),
        ("kind=business", ["Kohvik Mokka OÜ"]),
        ("email_consent=yes", ["Mari Tamm"]),
        ("sms_consent=yes", ["Tiina Tamme"]),
        ("age_min=60", ["Jaan Saar"]),
        ("age_min=25&age_max=35", ["Mari Tamm"]),
        ("birthday_within=7", ["Anna Müller"]),
        ("p_shoe_size_min=40", ["Jaan Saar"]),
        ("p_shoe_size_min=30&p_shoe_size_max=40", ["Mari Tamm"]),
        ("p_member_since_from=2020-01-01", ["Anna Müller"]),
        ("p_has_pet=yes", ["Mari Tamm"]),
        ("p_has_pet=no", ["Anna Müller"]),
        ("purchases_min=10", ["Kohvik Mokka OÜ"]),
        ("total_min=1000", ["Kohvik Mokka OÜ"]),
        (
            f"last_purchase_before={(timezone.localdate() - datetime.timedelta(days=365)).isoformat()}",
            ["Kohvik Mokka OÜ"],
        ),
    ],
)
def test_search_and_filters(alpha, directory, query, expected, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get(f"/customers/?{query}")
    assert names(response) == expected


@pytest.mark.django_db
def test_a_group_filter_includes_its_sub_groups(alpha, directory, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    assert names(client.get(f"/customers/?group={directory['regulars'].pk}")) == ["Jaan Saar", "Mari Tamm"]
    assert names(client.get(f"/customers/?group={directory['weekly'].pk}")) == ["Mari Tamm"]


@pytest.mark.django_db
def test_three_filters_together(alpha, directory, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get(
        f"/customers/?group={directory['regulars'].pk}&p_shoe_size_max=40&status=introduced"
    )
    assert names(response) == ["Mari Tamm"]


@pytest.mark.django_db
def test_a_bad_filter_value_is_named_and_ignored(alpha, directory, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get("/customers/?age_min=old&status=introduced")
    assert "Some filters were not applied:" in response.content.decode()
    assert "Enter a number." in response.content.decode()
    assert names(response) == ["Anna Müller", "Kohvik Mokka OÜ", "Mari Tamm", "Tiina Tamme"]


@pytest.mark.django_db
def test_chosen_columns_include_properties(alpha, directory, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get("/customers/?q=Mari&cols=name&cols=p_shoe_size&cols=city")
    assert [str(column.label) for column in response.context["columns"]] == ["Name", "City", "Shoe size"]
    assert response.context["rows"][0].values == ["Mari Tamm", "", "38"]


@pytest.mark.django_db
def test_the_list_page_has_a_fixed_number_of_queries(alpha, directory, django_assert_max_num_queries, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        group = CustomerGroup.objects.get(name="VIP")
        Customer.objects.bulk_create(
            Customer(first_name="Extra", last_name=str(number), status="introduced", group=group)
            for number in range(60)
        )
    connection.set_schema_to_public()
    with django_assert_max_num_queries(16):
        response = client.get("/customers/?cols=name&cols=group&cols=p_shoe_size")
    assert len(response.context["rows"]) == 50


@pytest.mark.django_db
def test_htmx_asks_for_the_results_only(alpha, directory, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get("/customers/?q=tamm", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="result-count">2 customers<' in body


@pytest.mark.django_db
def test_bulk_assign_a_group_to_the_selection(alpha, directory, tenant_client):
    with tenant_context(alpha.tenant):
        mari, jaan = Customer.objects.get(first_name="Mari"), Customer.objects.get(first_name="Jaan")
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(
        "/customers/bulk/",
        {"action": "assign_group", "group": directory["vip"].pk, "scope": "selected", "selected": [mari.pk, jaan.pk]},
        follow=True,
    )
    assert "2 customers changed." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert set(Customer.objects.filter(group=directory["vip"]).values_list("first_name", flat=True)) == {
            "Mari",
            "Jaan",
            "Anna",
        }
        assert CustomerEvent.objects.get(customer=mari, field="group").new_value == "VIP"


@pytest.mark.django_db
def test_bulk_archive_the_whole_filter(alpha, directory, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    client.post("/customers/bulk/", {"action": "archive", "scope": "filter", "query": "q=tamm"})
    with tenant_context(alpha.tenant):
        assert set(Customer.objects.filter(status="archived").values_list("first_name", flat=True)) == {
            "Old",
            "Mari",
            "Tiina",
        }


@pytest.mark.django_db
def test_bulk_introduced_is_refused_for_incomplete_records_and_changes_nothing(alpha, directory, tenant_client):
    with tenant_context(alpha.tenant):
        Customer.objects.filter(first_name="Jaan").update(phone="")
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(
        "/customers/bulk/",
        {"action": "set_status", "status": "introduced", "scope": "filter", "query": "status=all"},
        follow=True,
    )
    assert "miss required data and can only be in Control" in response.content.decode()
    with tenant_context(alpha.tenant):
        assert Customer.objects.filter(status="archived").count() == 1
        assert Customer.objects.get(first_name="Jaan").status == "control"


@pytest.mark.django_db
def test_bulk_unarchive_past_the_plan_limit_is_refused(alpha, directory, tenant_client):
    TariffPlan.objects.filter(pk=alpha.tenant.plan_id).update(max_active_customers=5)
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(
        "/customers/bulk/",
        {"action": "set_status", "status": "control", "scope": "filter", "query": "status=archived"},
        follow=True,
    )
    assert (
        "Active customers: the plan “Business” allows 5 and 5 are in use. Ask the platform operator for a larger plan."
        in response.content.decode()
    )
    with tenant_context(alpha.tenant):
        assert Customer.objects.get(first_name="Old").status == CustomerStatus.ARCHIVED


@pytest.mark.django_db
def test_bulk_without_a_selection_says_so(alpha, directory, tenant_client):
    response = tenant_client(alpha, alpha.marketer).post(
        "/customers/bulk/", {"action": "archive", "scope": "selected"}, follow=True
    )
    assert "Select customers first, or apply the action to the whole filter." in response.content.decode()


@pytest.mark.django_db
def test_a_cashier_cannot_bulk_change_or_export(alpha, directory, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    assert client.post("/customers/bulk/", {"action": "archive", "scope": "filter", "query": ""}).status_code == 403
    assert client.post("/customers/export/", {"query": ""}).status_code == 403
    with tenant_context(alpha.tenant):
        assert Customer.objects.filter(status="archived").count() == 1


@pytest.mark.django_db
def test_the_rows_escape_what_customers_are_called(alpha, directory, tenant_client):
    with tenant_context(alpha.tenant):
        odd = Customer.objects.create(first_name='<b>Bold</b> "Q"', last_name="O'Hara & Co", city="<i>Tartu</i>")
    response = tenant_client(alpha, alpha.marketer).get("/customers/?q=Hara&cols=name&cols=city")
    html = response.content.decode()
    assert (
        f'<td><a href="/customers/{odd.pk}/">&lt;b&gt;Bold&lt;/b&gt; &#34;Q&#34; O&#39;Hara &amp; Co</a></td>' in html
    )
    assert "<td>&lt;i&gt;Tartu&lt;/i&gt;</td>" in html
    assert 'aria-label="Select &lt;b&gt;Bold&lt;/b&gt; &#34;Q&#34; O&#39;Hara &amp; Co"' in html
    assert "<b>Bold</b>" not in html and "<i>Tartu</i>" not in html


@pytest.mark.django_db
def test_the_filter_form_kept_for_a_query_follows_groups_properties_language_and_the_query(
    alpha, directory, tenant_client
):
    from customers.services.properties import property_create

    client = tenant_client(alpha, alpha.admin)
    first = client.get("/customers/").content.decode()
    assert ">VIP</option>" in first
    with tenant_context(alpha.tenant):
        CustomerGroup.objects.filter(name="VIP").update(name="Very important")
        property_create(code="favourite", label_en="Favourite drink", type="text")
    again = client.get("/customers/").content.decode()
    assert ">Very important</option>" in again and ">VIP</option>" not in again
    assert 'for="id_p_favourite"' in again and "Favourite drink" in again
    chosen = client.get("/customers/?gender=female&cols=name&cols=city").content.decode()
    assert '<option value="female" selected>' in chosen
    assert 'value="city" id="col-city" checked' in chosen
    assert '<option value="female" selected>' not in client.get("/customers/").content.decode()
    client.post("/language/", {"language": "de", "next": "/customers/"})
    assert "Weitere Filter und Spalten" in client.get("/customers/").content.decode()
