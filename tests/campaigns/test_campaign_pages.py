"""The campaigns' pages over HTTP: rights (marketers and admins, not cashiers), the form's bad
input named with nothing written, the page of a campaign with its preview, sending from it, and
two retailers apart."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from campaigns.models import Campaign, CampaignText, Recipient
from campaigns.rules import Definition
from campaigns.services.segments import segment_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(alpha):
    with tenant_context(alpha.tenant):
        CustomerFactory(first_name="Liis", email="liis@example.com", email_consent=True)
        return segment_create(name="All", definition=Definition(groups=()), acting_user=None)


def _form(segment, **values):
    return {
        "name": "Spring",
        "segment": segment.pk,
        "channel": "email",
        "holdout_percent": "10",
        "offer": "none",
        "offer_days": "30",
        "subject_en": "Hello {{ first_name }}",
        "body_en": "You have {{ points }} points.",
        **values,
    }


def test_cashiers_may_not_open_campaigns_and_marketers_and_admins_may(alpha, segment, tenant_client):
    cashier = tenant_client(alpha, alpha.cashier)
    for path in ("/campaigns/", "/campaigns/new/"):
        assert cashier.get(path).status_code == 403
    assert cashier.post("/campaigns/new/", _form(segment)).status_code == 403
    with tenant_context(alpha.tenant):
        assert not Campaign.objects.exists()
    for user in (alpha.marketer, alpha.admin):
        assert tenant_client(alpha, user).get("/campaigns/").status_code == 200


def test_bad_input_is_named_and_nothing_written(alpha, segment, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post(
        "/campaigns/new/",
        _form(segment, holdout_percent="abc", offer="bonus", body_en="Hi {{ name }}", subject_de="Hallo"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["holdout_percent"] == ["Enter a number."]
    response = client.post("/campaigns/new/", _form(segment, offer="bonus", body_en="Hi {{ name }}"))
    errors = response.context["form"].errors
    assert errors["bonus_points"] == ["The bonus is a whole number of points from 1 to 1,000,000."]
    assert errors["body_en"][0].startswith("Unknown placeholder {{ name }}; the placeholders are {{ first_name }}")
    with tenant_context(alpha.tenant):
        assert not Campaign.objects.exists() and not CampaignText.objects.exists()


def test_a_campaign_is_saved_previewed_and_sent_from_its_page(alpha, beta, segment, tenant_client, smtp_server):
    client = tenant_client(alpha, alpha.marketer)
    response = client.post("/campaigns/new/", _form(segment, holdout_percent="0"))
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        campaign = Campaign.objects.get()
    page = client.get(f"/campaigns/{campaign.pk}/")
    (preview,) = page.context["previews"]
    assert preview["message"].subject == "Hello Liis"
    assert preview["message"].body.startswith("You have 0 points.\n\n-- \nYou receive this e-mail")
    # Another retailer's people do not see it.
    assert tenant_client(beta, beta.marketer).get(f"/campaigns/{campaign.pk}/").status_code == 404
    response = client.post(f"/campaigns/{campaign.pk}/schedule/", {"send_at": ""})
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"
        from campaigns.services.sending import campaign_send

        # The job the schedule sent on commit (this test's transaction never commits): run here.
        assert campaign_send(campaign_id=campaign.pk) == "sent"
        assert Recipient.objects.get(campaign=campaign).state == "sent"
    assert [message["To"] for message in smtp_server.messages] == ["liis@example.com"]
    page = client.get(f"/campaigns/{campaign.pk}/", HTTP_HX_REQUEST="true")
    assert 'data-testid="count-recipients">1<' in page.content.decode()
    # A campaign that went out cannot be changed or sent again.
    assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 302
    response = client.post(f"/campaigns/{campaign.pk}/schedule/", {"send_at": ""}, follow=True)
    assert "The campaign is sent; only a draft or a scheduled campaign can be changed." in response.content.decode()


def test_a_time_in_the_past_is_refused(alpha, segment, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    client.post("/campaigns/new/", _form(segment))
    with tenant_context(alpha.tenant):
        campaign = Campaign.objects.get()
    response = client.post(f"/campaigns/{campaign.pk}/schedule/", {"send_at": "2020-01-01T10:00"}, follow=True)
    assert "The time to send is in the past; give a later one or send now." in response.content.decode()
    with tenant_context(alpha.tenant):
        assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    assert Decimal(campaign.holdout_percent) == Decimal("10")


def test_the_campaign_list_and_page_cost_the_same_queries_however_many_campaigns_and_recipients(
    alpha, segment, tenant_client, django_assert_max_num_queries, smtp_server
):
    from campaigns.services.campaigns import CampaignInput, TextInput, campaign_create, campaign_schedule
    from campaigns.services.sending import campaign_send

    client = tenant_client(alpha, alpha.marketer)
    counts = {"list": [], "page": []}
    for batch in range(2):
        with tenant_context(alpha.tenant):
            for index in range(1 + batch * 5):
                CustomerFactory(email=f"c{batch}-{index}@example.com", email_consent=True)
                campaign = campaign_create(
                    data=CampaignInput(
                        name=f"Campaign {batch}-{index}", segment=segment, texts=(TextInput("en", "Hi", "Hello"),)
                    ),
                    acting_user=None,
                )
            campaign_schedule(campaign=campaign, send_at=None, acting_user=None)
            campaign_send(campaign_id=campaign.pk)
        for name, url in (("list", "/campaigns/"), ("page", f"/campaigns/{campaign.pk}/")):
            with django_assert_max_num_queries(20) as captured:
                assert client.get(url).status_code == 200
            counts[name].append(len(captured))
    assert counts["list"][0] == counts["list"][1]
    assert counts["page"][0] == counts["page"][1]
