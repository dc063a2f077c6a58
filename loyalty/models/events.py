"""Who changed the programme, its rules, tiers and card types, when, and from what to what."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models.cards import CardType
from loyalty.models.programme import EarningRule, Tier


class LoyaltyEvent(models.Model):
    """A change to the programme's settings, an earning rule, a tier or a card type: who made it,
    when, and each field's old and new value. One row per change, written in the change's own
    transaction by loyalty.events; a deleted rule, tier or card type keeps its rows (the link is
    cleared, the name it had stays in `label`)."""

    class Kind(models.TextChoices):
        PROGRAMME_CHANGED = "programme_changed", _("Programme settings changed")
        RULE_CREATED = "rule_created", _("Earning rule added")
        RULE_CHANGED = "rule_changed", _("Earning rule changed")
        RULE_DELETED = "rule_deleted", _("Earning rule deleted")
        TIER_CREATED = "tier_created", _("Tier added")
        TIER_CHANGED = "tier_changed", _("Tier changed")
        TIER_DELETED = "tier_deleted", _("Tier deleted")
        CARD_TYPE_CREATED = "card_type_created", _("Card type added")
        CARD_TYPE_CHANGED = "card_type_changed", _("Card type changed")

    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    rule = models.ForeignKey(EarningRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    card_type = models.ForeignKey(CardType, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    # The name of the rule, tier or card type when the change was made.
    label = models.CharField(_("about"), max_length=100, blank=True)
    # {field: {"old": value, "new": value}}, values as text, numbers and lists of names.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("loyalty event")
        verbose_name_plural = _("loyalty events")
        indexes = [models.Index(fields=["-occurred_at", "-id"], name="loyalty_event_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.label}"
