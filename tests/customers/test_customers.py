"""Creating and editing customers: validation on every field, the Control rule, history, consent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from customers.models import ConsentEvent, Customer, CustomerEvent, CustomerStatus
from customers.services import customer_create, customer_update, property_create

PERSON = {
    "first_name": "Mari",
    "last_name": "Tamm",
    "phone": "5123 4567",
    "email": "Mari.Tamm@Example.com",
    "birth_date": "1985-04-12",
    "status": "introduced",
}


def count(setup) -> int:
    with tenant_context(setup.tenant):
        return Customer.objects.count()


@pytest.mark.django_db
def test_a_marketer_creates_a_private_customer_with_normalised_phone_and_email(alpha, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post("/customers/new/person/", PERSON)
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get(last_name="Tamm")
        assert response["Location"] == f"/customers/{customer.pk}/"
        assert (customer.phone, customer.email, customer.status) == (
            "+37251234567",
            "mari.tamm@example.com",
            "introduced",
        )
        assert customer.birth_date == datetime.date(1985, 4, 12)
        event = CustomerEvent.objects.get(customer=customer)
        assert (event.kind, event.actor.username, event.source) == ("created", "marketer", "back office")


@pytest.mark.django_db
def test_a_business_with_registry_code_and_delivery_address(alpha, tenant_client):
    client = tenant_client(alpha, alpha.admin)
    client.post(
        "/customers/new/business/",
        {
            "company_name": "Kohvik Mokka OÜ",
            "registry_code": "12345678",
            "vat_number": "EE101234567",
            "email": "arved@mokka.example",
            "payment_terms_days": "14",
            "delivery_city": "Tartu",
            "delivery_country": "ee",
            "status": "introduced",
        },
    )
    with tenant_context(alpha.tenant):
        business = Customer.objects.get(company_name="Kohvik Mokka OÜ")
        assert (business.kind, business.payment_terms_days, business.delivery_country) == ("business", 14, "EE")
    response = client.post(
        f"/customers/new/person/?company={business.pk}", {**PERSON, "company": business.pk, "department": "Purchasing"}
    )
    with tenant_context(alpha.tenant):
        contact = Customer.objects.get(company=business)
        assert (contact.last_name, contact.department) == ("Tamm", "Purchasing")
    page = client.get(f"/customers/{business.pk}/").content.decode()
    assert "Purchasing" in page
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_date": "1990-02-31"}, "birth_date", "“1990-02-31” is not a date (use 2024-12-31 or 31.12.2024)."),
        ({"birth_date": "2999-01-01"}, "birth_date", "The birth date 2999-01-01 is in the future."),
        ({"phone": "12ab"}, "phone", "“12ab” is not a phone number."),
        ({"email": "mari@"}, "email", "“mari@” is not an e-mail address."),
        ({"first_name": "", "last_name": ""}, "last_name", "A person needs a first or a last name."),
        ({"email_consent": "on"}, "consent_source", "Say how the consent was given or withdrawn."),
        ({"status": "vip"}, "status", "Select a valid choice. vip is not one of the available choices."),
    ],
)
def test_bad_customer_input_is_refused_and_nothing_is_written(alpha, changes, field, message, tenant_client):
    before = count(alpha)
    response = tenant_client(alpha, alpha.marketer).post("/customers/new/person/", {**PERSON, **changes})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert count(alpha) == before


@pytest.mark.django_db
def test_property_values_are_validated_by_type(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        property_create(code="shoe_size", label_en="Shoe size", type="number")
        property_create(code="member_since", label_en="Member since", type="date")
        property_create(code="store", label_en="Store", type="choice", choices=["Tallinn", "Tartu"])
    client = tenant_client(alpha, alpha.marketer)
    before = count(alpha)
    response = client.post(
        "/customers/new/person/",
        {**PERSON, "property_shoe_size": "big", "property_member_since": "12", "property_store": "Narva"},
    )
    errors = response.context["form"].errors
    assert errors["property_shoe_size"] == ["“big” is not a number."]
    assert errors["property_member_since"] == ["“12” is not a date (use 2024-12-31 or 31.12.2024)."]
    assert errors["property_store"] == ["Select a valid choice. Narva is not one of the available choices."]
    assert count(alpha) == before
    client.post(
        "/customers/new/person/",
        {**PERSON, "property_shoe_size": "42,5", "property_member_since": "2020-05-01", "property_store": "Tartu"},
    )
    with tenant_context(alpha.tenant):
        assert Customer.objects.get(last_name="Tamm").properties == {
            "shoe_size": "42.5",
            "member_since": "2020-05-01",
            "store": "Tartu",
        }


@pytest.mark.django_db
def test_an_incomplete_record_can_only_be_saved_as_control(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        property_create(code="member_since", label_en="Member since", type="date", is_required=True)
    client = tenant_client(alpha, alpha.marketer)
    before = count(alpha)
    response = client.post("/customers/new/person/", {**PERSON, "phone": "", "email": ""})
    assert response.context["form"].errors["status"] == [
        "Only Control is possible while these are missing: phone or e-mail, Member since."
    ]
    assert count(alpha) == before
    client.post("/customers/new/person/", {**PERSON, "phone": "", "email": "", "status": "control"})
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get(last_name="Tamm")
        assert customer.status == "control"
    queue = client.get("/customers/control/").content.decode()
    assert "phone or e-mail, Member since" in queue
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {**PERSON, "property_member_since": "2021-01-01", "next": "control"},
    )
    assert response["Location"] == "/customers/control/"
    with tenant_context(alpha.tenant):
        customer.refresh_from_db()
        assert customer.status == "introduced"
    assert 'data-testid="control-row"' not in client.get("/customers/control/").content.decode()


@pytest.mark.django_db
def test_the_till_form_creates_a_customer_in_control(alpha, tenant_client):
    client = tenant_client(alpha, alpha.cashier)
    response = client.post("/customers/new/", {"first_name": "Jaan", "last_name": "", "phone": "+372 5555 1234"})
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get(first_name="Jaan")
        assert (customer.status, customer.phone) == ("control", "+37255551234")
        assert CustomerEvent.objects.get(customer=customer).source == "till"
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert client.post("/customers/new/person/", PERSON).status_code == 403
    assert client.get(f"/customers/{customer.pk}/edit/").status_code == 403


@pytest.mark.django_db
def test_the_till_form_refuses_a_bad_phone(alpha, tenant_client):
    before = count(alpha)
    response = tenant_client(alpha, alpha.cashier).post("/customers/new/", {"first_name": "Jaan", "phone": "abc"})
    assert response.context["form"].errors["phone"] == ["“abc” is not a phone number."]
    assert count(alpha) == before


@pytest.mark.django_db
def test_every_change_is_in_the_history_and_consent_keeps_how(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        customer = customer_create(
            tenant=alpha.tenant,
            fields={"first_name": "Mari", "last_name": "Tamm", "phone": "+37251234567"},
            status=CustomerStatus.INTRODUCED,
        )
    client = tenant_client(alpha, alpha.marketer)
    client.post(
        f"/customers/{customer.pk}/edit/",
        {**PERSON, "last_name": "Saar", "email_consent": "on", "consent_source": "signed form at the till"},
    )
    page = client.get(f"/customers/{customer.pk}/history/").content.decode()
    assert page.count('data-testid="history-row"') >= 4
    with tenant_context(alpha.tenant):
        change = CustomerEvent.objects.get(customer=customer, field="last_name")
        assert (change.old_value, change.new_value, change.actor.username) == ("Tamm", "Saar", "marketer")
        consent = ConsentEvent.objects.get(customer=customer)
        assert (consent.channel, consent.is_given, consent.source) == ("email", True, "signed form at the till")
    client.post(
        f"/customers/{customer.pk}/edit/",
        {**PERSON, "last_name": "Saar", "consent_source": "asked by phone to stop"},
    )
    with tenant_context(alpha.tenant):
        withdrawal = ConsentEvent.objects.filter(customer=customer).first()
        assert (withdrawal.is_given, withdrawal.source) == (False, "asked by phone to stop")


@pytest.mark.django_db
def test_notes_have_an_author_and_a_time(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        customer = Customer.objects.create(first_name="Mari", last_name="Tamm")
    client = tenant_client(alpha, alpha.marketer)
    client.post(f"/customers/{customer.pk}/notes/add/", {"text": "Prefers e-mail after 18:00."})
    page = client.get(f"/customers/{customer.pk}/notes/").content.decode()
    assert "Prefers e-mail after 18:00." in page
    assert "Marketer Alpha" in page
    response = client.post(f"/customers/{customer.pk}/notes/add/", {"text": ""}, follow=True)
    assert "Write the note first." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert customer.notes.count() == 1


@pytest.mark.django_db
def test_the_service_refuses_introduced_without_the_required_data(alpha):
    with tenant_context(alpha.tenant):
        with pytest.raises(ValidationError) as refused:
            customer_create(tenant=alpha.tenant, fields={"first_name": "Mari"}, status=CustomerStatus.INTRODUCED)
        assert refused.value.message_dict["status"] == [
            "Only Control is possible while these are missing: last name, phone or e-mail."
        ]
        assert not Customer.objects.exists()
        customer = customer_create(tenant=alpha.tenant, fields={"first_name": "Mari"})
        with pytest.raises(ValidationError):
            customer_update(tenant=alpha.tenant, customer=customer, fields={}, status=CustomerStatus.INTRODUCED)
        customer.refresh_from_db()
        assert customer.status == "control"


@pytest.mark.django_db
def test_customers_of_one_retailer_are_invisible_at_another(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        customer = Customer.objects.create(first_name="Only", last_name="Alpha", status="introduced")
    client = tenant_client(beta, beta.admin)
    assert client.get(f"/customers/{customer.pk}/").status_code in (404,)
    assert "Only Alpha" not in client.get("/customers/?q=Alpha").content.decode()
    assert client.post(f"/customers/{customer.pk}/edit/", PERSON).status_code == 404
    with tenant_context(alpha.tenant):
        assert Customer.objects.get(pk=customer.pk).last_name == "Alpha"
