"""Settings → Customer properties: types, type changes that keep every value, archiving."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomProperty, PropertyEvent
from customers.services import property_create, property_update
from staff.models import User

NEW = {
    "code": "shoe_size",
    "label_en": "Shoe size",
    "label_de": "Schuhgröße",
    "label_et": "Jalanõu suurus",
    "type": "number",
    "position": "1",
    "is_shown_in_list": "on",
}


@pytest.mark.django_db
def test_the_admin_defines_a_property_with_labels_in_three_languages(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    response = client.post("/settings/customers/properties/new/", NEW)
    assert response["Location"] == "/settings/customers/properties/"
    with tenant_context(alpha.tenant):
        prop = CustomProperty.objects.get(code="shoe_size")
        assert (prop.type, prop.is_shown_in_list, prop.label_et) == ("number", True, "Jalanõu suurus")
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"customer_property_{prop.pk}_idx"])
            assert "double precision" in cursor.fetchone()[0]
    client.post("/language/", {"language": "de", "next": "/"})
    assert "Schuhgröße" in client.get("/settings/customers/properties/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "Shoe Size"}, "code", "Use lower-case letters, digits and underscores, starting with a letter."),
        ({"label_en": ""}, "label_en", "This field is required."),
        ({"type": "choice", "choices_text": "only one"}, "choices", "A list needs at least two choices, one per line."),
        ({"type": "colour"}, "type", "Select a valid choice. colour is not one of the available choices."),
    ],
)
def test_bad_property_definitions_are_refused(alpha, changes, field, message, tenant_client):
    response = tenant_client(alpha, alpha.admin).post("/settings/customers/properties/new/", {**NEW, **changes})
    errors = response.context["form"].errors
    assert message in errors.get(field, errors.get("__all__", []))
    with tenant_context(alpha.tenant):
        assert not CustomProperty.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_code_is_refused(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        property_create(code="shoe_size", label_en="Shoe size", type="number")
    response = tenant_client(alpha, alpha.admin).post("/settings/customers/properties/new/", NEW)
    assert response.context["form"].errors["code"] == ["A property with this code exists already."]


def _with_values(setup, prop_type, values, **options):
    with tenant_context(setup.tenant):
        prop = property_create(code="size", label_en="Size", type=prop_type, **options)
        Customer.objects.bulk_create(
            Customer(first_name="C", last_name=str(index), properties={"size": value})
            for index, value in enumerate(values)
        )
    return prop


def _update(prop, **changes):
    arguments = {
        "label_en": prop.label_en,
        "label_de": "",
        "label_et": "",
        "type": prop.type,
        "choices": prop.choices,
        "is_required": False,
        "is_shown_in_list": False,
        "position": 0,
    } | changes
    return property_update(prop=prop, **arguments)


@pytest.mark.django_db
def test_a_type_change_converts_every_value_when_all_fit(alpha):
    prop = _with_values(alpha, "text", ["38", "41.5", " 40 "])
    with tenant_context(alpha.tenant):
        _update(prop, type="number")
        assert sorted(Customer.objects.values_list("properties__size", flat=True)) == ["38", "40", "41.5"]
        assert CustomProperty.objects.get(pk=prop.pk).type == "number"
        assert Customer.objects.filter(properties__size="41.5").count() == 1


@pytest.mark.django_db
def test_a_type_change_that_would_lose_values_is_refused_and_changes_nothing(alpha):
    prop = _with_values(alpha, "text", ["38", "large", "small"])
    with tenant_context(alpha.tenant):
        with pytest.raises(ValidationError) as refused:
            _update(prop, type="number")
        assert refused.value.message_dict["type"] == [
            "2 stored values would not fit (e.g. large, small); change them first or keep the type."
        ]
        assert CustomProperty.objects.get(pk=prop.pk).type == "text"
        assert sorted(Customer.objects.values_list("properties__size", flat=True)) == ["38", "large", "small"]


@pytest.mark.django_db
def test_removing_a_choice_in_use_is_refused(alpha):
    prop = _with_values(alpha, "choice", ["S", "M"], choices=["S", "M", "L"])
    with tenant_context(alpha.tenant):
        _update(prop, choices=["S", "M"])
        with pytest.raises(ValidationError):
            _update(prop, choices=["S", "L"])
        assert CustomProperty.objects.get(pk=prop.pk).choices == ["S", "M"]


@pytest.mark.django_db
def test_removing_a_property_archives_it_and_keeps_its_values(alpha, tenant_client):
    prop = _with_values(alpha, "number", ["38"])
    client = tenant_client(alpha, alpha.admin)
    client.post(f"/settings/customers/properties/{prop.pk}/archive/", {"archive": "1"})
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get()
        assert customer.properties == {"size": "38"}
        assert CustomProperty.objects.get(pk=prop.pk).is_archived
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "archived" in card and "38" in card
    assert "p_size_min" not in client.get("/customers/").content.decode()
    client.post(f"/settings/customers/properties/{prop.pk}/archive/", {"archive": "0"})
    assert "p_size_min" in client.get("/customers/").content.decode()


@pytest.mark.django_db
def test_only_the_admin_manages_properties(alpha, tenant_client):
    for login in (alpha.marketer, alpha.cashier):
        client = tenant_client(alpha, login)
        assert client.get("/settings/customers/properties/").status_code == 403
        assert client.post("/settings/customers/properties/new/", NEW).status_code == 403
    with tenant_context(alpha.tenant):
        assert not CustomProperty.objects.exists()


@pytest.mark.django_db
def test_properties_are_per_retailer(alpha, beta, tenant_client):
    tenant_client(alpha, alpha.admin).post("/settings/customers/properties/new/", NEW)
    assert "shoe_size" not in tenant_client(beta, beta.admin).get("/settings/customers/properties/").content.decode()


@pytest.mark.django_db
def test_who_created_changed_and_archived_a_property_is_recorded_and_shown(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post("/settings/customers/properties/new/", NEW)
    with tenant_context(alpha.tenant):
        prop = CustomProperty.objects.get(code="shoe_size")
    edited = {**NEW, "label_en": "Shoe size (EU)", "type": "text", "is_shown_in_list": ""}
    assert client.post(f"/settings/customers/properties/{prop.pk}/", edited).status_code == 302
    client.post(f"/settings/customers/properties/{prop.pk}/", edited)  # nothing changes: no event
    client.post(f"/settings/customers/properties/{prop.pk}/archive/", {"archive": "1"})
    with tenant_context(alpha.tenant):
        events = list(PropertyEvent.objects.filter(custom_property=prop).select_related("acting_user"))
        assert [(event.kind, event.acting_user.username) for event in events] == [
            ("archived", "admin"),
            ("changed", "admin"),
            ("created", "admin"),
        ]
        assert events[1].changes == {
            "label_en": ["Shoe size", "Shoe size (EU)"],
            "type": ["number", "text"],
            "is_shown_in_list": ["True", "False"],
        }
    page = client.get(f"/settings/customers/properties/{prop.pk}/").content.decode()
    assert page.count('data-testid="property-event"') == 3
    assert "Shoe size → Shoe size (EU)" in page


@pytest.mark.django_db
def test_values_a_type_change_converts_are_written_to_each_customers_history(alpha):
    prop = _with_values(alpha, "text", ["38", " 40 "])
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username="admin")
        _update(prop, type="number", acting_user=admin)
        events = list(CustomerEvent.objects.filter(field="property:size"))
        assert [(event.old_value, event.new_value, event.actor, event.source) for event in events] == [
            (" 40 ", "40", admin, "back office")
        ]
        assert events[0].customer.last_name == "1"
