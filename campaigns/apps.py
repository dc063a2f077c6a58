from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Segments and campaigns")

    def ready(self) -> None:
        from campaigns import reports  # noqa: F401  (registers the campaigns' reports)
        from campaigns.selectors.segments import segment_choices, segment_list_condition
        from campaigns.services.offers import campaign_points_return_step, campaign_points_step
        from customers.list_scopes import ListScope, list_scopes
        from sales.registry import return_steps, sale_steps

        # After the loyalty programme's step (loyalty comes first among the apps): the offer
        # multiplies the points that step wrote.
        sale_steps.register(campaign_points_step)
        return_steps.register(campaign_points_return_step)

        list_scopes.register(
            ListScope(
                param="segment_id",
                label=_("Segment"),
                choices=segment_choices,
                condition=segment_list_condition,
                save_label=_("Save as segment"),
                save_url_name="campaigns:segment_create",
                save_right="use_marketing",
            )
        )
