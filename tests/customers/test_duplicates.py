"""Possible duplicates: the rules that make a pair, the list page, the merge page and who may use them."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_tenants.utils import tenant_context

from customers.models import Customer, CustomerEvent, CustomerNote, CustomerStatus
from customers.selectors.duplicates import DuplicateReason, customer_duplicate_pairs

PHONE = DuplicateReason.PHONE
EMAIL = DuplicateReason.EMAIL
NAME = DuplicateReason.NAME_AND_BIRTH_DATE


def person(first_name: str, last_name: str, **fields) -> Customer:
    return Customer.objects.create(kind=Customer.Kind.PERSON, first_name=first_name, last_name=last_name, **fields)


def business(company_name: str, **fields) -> Customer:
    return Customer.objects.create(kind=Customer.Kind.BUSINESS, company_name=company_name, **fields)


def pairs_among(customers: list[Customer], *, limit: int = 1000) -> list[tuple[int, int, tuple[str, ...]]]:
    """The pairs the selector finds among `customers` (rows committed by other tests stay out)."""
    ids = {customer.pk for customer in customers}
    return [
        (pair.older.pk, pair.newer.pk, tuple(pair.reasons))
        for pair in customer_duplicate_pairs(limit=limit)
        if pair.older.pk in ids and pair.newer.pk in ids
    ]


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_phone_makes_a_pair_and_another_phone_does_not(alpha):
    with tenant_context(alpha.tenant):
        mari = person("Mari", "Tamm", phone="+3725000001")
        maria = person("Maria", "Kask", phone="+3725000001")
        other = person("Mari", "Tamm", phone="+3725000002")
        assert pairs_among([mari, maria, other]) == [(mari.pk, maria.pk, (PHONE,))]


@pytest.mark.django_db
def test_the_same_email_in_any_case_makes_a_pair(alpha):
    with tenant_context(alpha.tenant):
        # Written around the cleaning that lower-cases addresses, as an old import might have.
        first = person("Jaan", "Saar", email="jaan.saar@example.com")
        second = person("J.", "Saar", email="Jaan.Saar@Example.COM")
        other = person("Jaan", "Saar", email="jaan.saar@example.org")
        assert pairs_among([first, second, other]) == [(first.pk, second.pk, (EMAIL,))]


@pytest.mark.django_db
def test_a_similar_name_makes_a_pair_only_with_the_same_birth_date(alpha):
    born = datetime.date(1984, 5, 17)
    with tenant_context(alpha.tenant):
        katrin = person("Katrin", "Tamm", birth_date=born)
        katrin_typo = person("Katrin", "Tam", birth_date=born)
        kadri = person("Kadri", "Tamm", birth_date=born)  # same birthday, a different name
        katrin_later = person("Katrin", "Tamm", birth_date=datetime.date(1984, 5, 18))
        katrin_no_date = person("Katrin", "Tamm")
        customers = [katrin, katrin_typo, kadri, katrin_later, katrin_no_date]
        assert pairs_among(customers) == [(katrin.pk, katrin_typo.pk, (NAME,))]


@pytest.mark.django_db
def test_a_pair_matching_every_rule_is_listed_once_with_every_reason(alpha):
    born = datetime.date(1990, 1, 2)
    with tenant_context(alpha.tenant):
        first = person("Anna", "Mets", phone="+3725000011", email="anna@example.com", birth_date=born)
        second = person("Ana", "Mets", phone="+3725000011", email="anna@example.com", birth_date=born)
        assert pairs_among([first, second]) == [(first.pk, second.pk, (PHONE, EMAIL, NAME))]


@pytest.mark.django_db
def test_archived_customers_and_pairs_of_different_types_are_left_out(alpha):
    with tenant_context(alpha.tenant):
        active = person("Peeter", "Oja", phone="+3725000021")
        archived = person("Peeter", "Oja", phone="+3725000021", status=CustomerStatus.ARCHIVED)
        # A company and its contact person often share the phone; they cannot be merged anyway.
        company = business("Oja OÜ", email="info@oja.example")
        contact = person("Piret", "Oja", email="info@oja.example", company=company)
        assert pairs_among([active, archived, company, contact]) == []


@pytest.mark.django_db
def test_two_businesses_with_the_same_email_make_a_pair(alpha):
    with tenant_context(alpha.tenant):
        first = business("Oja OÜ", email="info@oja.example")
        second = business("Oja OU", email="info@oja.example")
        assert pairs_among([first, second]) == [(first.pk, second.pk, (EMAIL,))]


@pytest.mark.django_db
def test_a_phone_shared_by_more_than_ten_customers_is_a_placeholder(alpha):
    with tenant_context(alpha.tenant):
        shop_phone = [person("Klient", str(number), phone="+3726000000") for number in range(11)]
        family = [person("Liis", "Kuusk", phone="+3726000001"), person("Rein", "Kuusk", phone="+3726000001")]
        assert pairs_among(shop_phone + family) == [(family[0].pk, family[1].pk, (PHONE,))]


@pytest.mark.django_db
def test_the_newest_pairs_come_first_and_the_limit_holds(alpha):
    with tenant_context(alpha.tenant):
        customers = []
        for number in range(3):
            customers += [
                person("Old", f"Pair{number}", phone=f"+372510000{number}"),
                person("New", f"Pair{number}", phone=f"+372510000{number}"),
            ]
        # The first pair gains a newer member: it is now the most recent pair of the three.
        customers.append(person("Newest", "Pair0", phone="+3725100000"))
        c = customers
        assert pairs_among(customers) == [
            (c[1].pk, c[6].pk, (PHONE,)),
            (c[0].pk, c[6].pk, (PHONE,)),
            (c[4].pk, c[5].pk, (PHONE,)),
            (c[2].pk, c[3].pk, (PHONE,)),
            (c[0].pk, c[1].pk, (PHONE,)),
        ]
        newest = customer_duplicate_pairs(limit=2)
        assert [(pair.older, pair.newer) for pair in newest] == [(c[1], c[6]), (c[0], c[6])]


@pytest.mark.django_db
def test_one_retailer_does_not_see_the_pairs_of_another(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        pair = [person("Mari", "Tamm", phone="+3725000031"), person("Mari", "Tamm", phone="+3725000031")]
        assert pairs_among(pair) == [(pair[0].pk, pair[1].pk, (PHONE,))]
    with tenant_context(beta.tenant):
        assert customer_duplicate_pairs() == []
    page = tenant_client(beta, beta.marketer).get("/customers/duplicates/")
    assert page.status_code == 200
    assert page.context["pairs"] == []
    assert "No possible duplicates found." in page.content.decode()


# --- the pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_duplicates_page_shows_each_pair_side_by_side_with_a_merge_link(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        older = person(
            "Mari", "Tamm", phone="+3725000041", email="mari@example.com", birth_date=datetime.date(1980, 2, 3)
        )
        newer = person("Mari", "Tamm", phone="+3725000041")
    page = tenant_client(alpha, alpha.marketer).get(reverse("customers:customer_duplicates"))
    assert page.status_code == 200
    content = page.content.decode()
    assert f'data-testid="pair-{older.pk}-{newer.pk}"' in content
    assert "same phone" in content
    assert "mari@example.com" in content
    assert f'href="/customers/duplicates/merge/?keep={older.pk}&amp;remove={newer.pk}"' in content


@pytest.mark.django_db
def test_the_duplicates_page_stays_within_its_query_budget(alpha, django_assert_max_num_queries, tenant_client):
    with tenant_context(alpha.tenant):
        for number in range(20):
            phone = f"+37252000{number:02d}"
            person("Twin", f"A{number}", phone=phone, email=f"twin{number}@example.com")
            person("Twin", f"B{number}", phone=phone, email=f"twin{number}@example.com")
    client = tenant_client(alpha, alpha.marketer)
    # Eight for every back-office page (the retailer, the session, the user, their rights and role),
    # then two: the pairs, and both customers of every pair with their groups.
    with django_assert_max_num_queries(10):
        page = client.get("/customers/duplicates/")
    assert page.status_code == 200
    assert len(page.context["pairs"]) >= 20


@pytest.mark.django_db
def test_the_merge_page_shows_both_records_and_the_result_and_can_swap(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        keep = person("Mari", "Tamm", phone="+3725000051")
        remove = person("Mari", "Tamm", phone="+3725000051", email="mari@example.com", city="Tartu")
    client = tenant_client(alpha, alpha.marketer)
    page = client.get(f"/customers/duplicates/merge/?keep={keep.pk}&remove={remove.pk}")
    assert page.status_code == 200
    rows = {row.label: row for row in page.context["outcome"].rows()}
    assert (rows["E-mail"].kept, rows["E-mail"].removed, rows["E-mail"].result) == (
        "",
        "mari@example.com",
        "mari@example.com",
    )
    assert rows["E-mail"].is_from_removed
    assert (rows["City"].result, rows["City"].is_from_removed) == ("Tartu", True)
    assert (rows["Phone"].result, rows["Phone"].is_from_removed) == ("+372 500 0051", False)
    content = page.content.decode()
    assert f'href="/customers/duplicates/merge/?keep={remove.pk}&amp;remove={keep.pk}"' in content
    assert "Merge Mari Tamm into Mari Tamm" in content
    swapped = client.get(f"/customers/duplicates/merge/?keep={remove.pk}&remove={keep.pk}")
    assert swapped.context["keep"] == remove
    assert swapped.context["outcome"].changes == {}


@pytest.mark.django_db
def test_posting_the_merge_merges_and_goes_to_the_kept_customer(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        keep = person("Mari", "Tamm", phone="+3725000061")
        remove = person("Mari", "Tamm", phone="+3725000061", email="mari@example.com")
        removed_id = remove.pk
    response = tenant_client(alpha, alpha.marketer).post(
        "/customers/duplicates/merge/", {"keep": keep.pk, "remove": remove.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer_detail", kwargs={"customer_id": keep.pk})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"Mari Tamm (#{removed_id}) was merged into Mari Tamm."
    ]
    with tenant_context(alpha.tenant):
        assert not Customer.objects.filter(pk=removed_id).exists()
        keep.refresh_from_db()
        assert keep.email == "mari@example.com"
        merged = CustomerEvent.objects.get(customer=keep, kind=CustomerEvent.Kind.MERGED)
        assert merged.actor.username == "marketer"


@pytest.mark.django_db
def test_merging_a_customer_with_itself_is_refused_on_the_page_and_by_post(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        mari = person("Mari", "Tamm", phone="+3725000071")
        events = CustomerEvent.objects.count()
    client = tenant_client(alpha, alpha.marketer)
    page = client.get(f"/customers/duplicates/merge/?keep={mari.pk}&remove={mari.pk}")
    assert page.context["refusal"] == "A customer cannot be merged with itself."
    assert 'name="keep"' not in page.content.decode()
    response = client.post("/customers/duplicates/merge/", {"keep": mari.pk, "remove": mari.pk}, follow=True)
    assert response.redirect_chain == [("/customers/duplicates/", 302)]
    assert [str(message) for message in response.context["messages"]] == ["A customer cannot be merged with itself."]
    with tenant_context(alpha.tenant):
        assert Customer.objects.filter(pk=mari.pk).exists()
        assert CustomerEvent.objects.count() == events


@pytest.mark.django_db
def test_a_merge_of_a_customer_that_is_gone_says_so(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        mari = person("Mari", "Tamm", phone="+3725000081")
    client = tenant_client(alpha, alpha.marketer)
    response = client.get(f"/customers/duplicates/merge/?keep={mari.pk}&remove=999999999", follow=True)
    assert response.redirect_chain == [("/customers/duplicates/", 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "One of the two customers no longer exists; it may have been merged already."
    ]


@pytest.mark.django_db
def test_a_cashier_may_neither_see_duplicates_nor_merge(alpha, tenant_client):
    with tenant_context(alpha.tenant):
        keep = person("Mari", "Tamm", phone="+3725000091")
        remove = person("Mari", "Tamm", phone="+3725000091", email="mari@example.com")
        CustomerNote.objects.create(customer=remove, text="Likes tea")
    cashier = tenant_client(alpha, alpha.cashier)
    assert cashier.get("/customers/duplicates/").status_code == 403
    assert cashier.get(f"/customers/duplicates/merge/?keep={keep.pk}&remove={remove.pk}").status_code == 403
    assert cashier.post("/customers/duplicates/merge/", {"keep": keep.pk, "remove": remove.pk}).status_code == 403
    with tenant_context(alpha.tenant):
        remove.refresh_from_db()
        keep.refresh_from_db()
        assert keep.email == ""
        assert list(remove.notes.values_list("text", flat=True)) == ["Likes tea"]
        assert not CustomerEvent.objects.filter(customer=keep, kind=CustomerEvent.Kind.MERGED).exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login(alpha, tenant_client):
    response = tenant_client(alpha).get("/customers/duplicates/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- in the browser -----------------------------------------------------------------------------


@pytest.mark.browser
def test_a_marketer_finds_a_pair_checks_the_result_swaps_and_merges(page, live_server_port, tenants, save_screenshot):
    from playwright.sync_api import expect

    setup = tenants["browser"]
    with tenant_context(setup.tenant):
        older = person("Mari", "Tamm", phone="+3725000101", city="Tartu", birth_date=datetime.date(1985, 4, 12))
        newer = person("Mari", "Tamm", phone="+3725000101", email="mari.tamm@example.com")
    try:
        base = f"http://{setup.host}:{live_server_port}"
        page.goto(f"{base}/login/")
        page.get_by_label("User name").fill("marketer")
        page.get_by_label("Password").fill(setup.marketer.password)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/customers/duplicates/")
        pair = page.get_by_test_id(f"pair-{older.pk}-{newer.pk}")
        expect(pair).to_contain_text("same phone")
        save_screenshot(page, "customer-duplicates")
        pair.get_by_role("link", name="Merge").click()
        expect(page.get_by_role("heading", name="Merge two customers")).to_be_visible()
        expect(page.get_by_test_id("merge-table")).to_contain_text("mari.tamm@example.com")
        save_screenshot(page, "customer-merge")
        page.get_by_test_id("swap").click()
        expect(page.get_by_test_id("merge-table")).to_contain_text("Tartu")
        page.get_by_role("button", name="Merge Mari Tamm into Mari Tamm").click()
        expect(page.get_by_role("status").filter(has_text="was merged into")).to_have_text(
            f"Mari Tamm (#{older.pk}) was merged into Mari Tamm."
        )
        assert page.url == f"{base}/customers/{newer.pk}/"
        with tenant_context(setup.tenant):
            kept = Customer.objects.get(pk=newer.pk)
            assert (kept.email, kept.city, kept.birth_date) == (
                "mari.tamm@example.com",
                "Tartu",
                datetime.date(1985, 4, 12),
            )
            assert not Customer.objects.filter(pk=older.pk).exists()
    finally:
        with tenant_context(setup.tenant):
            Customer.objects.filter(pk__in=(older.pk, newer.pk)).delete()
