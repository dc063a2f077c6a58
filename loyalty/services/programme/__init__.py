"""The loyalty programme's settings, its earning rules and its tiers (Settings → Loyalty programme),
one module each: settings.py, earning_rules.py, tiers.py (cleaning.py reads what was typed).

Every writer here takes what a person typed (text for numbers, ids for stores and groups, a code
for a product) and refuses with a ValidationError whose messages are filed under the field they
concern, so the screens, an import or an API refuse the same things with the same words. A refused
call writes nothing; a change writes its LoyaltyEvent (loyalty.events) in the same transaction.
"""

from loyalty.services.programme.earning_rules import earning_rule_create, earning_rule_delete, earning_rule_update
from loyalty.services.programme.settings import programme_update
from loyalty.services.programme.tiers import tier_create, tier_delete, tier_update

__all__ = [
    "earning_rule_create",
    "earning_rule_delete",
    "earning_rule_update",
    "programme_update",
    "tier_create",
    "tier_delete",
    "tier_update",
]
