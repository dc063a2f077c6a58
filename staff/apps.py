from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from staff.selectors import staff_active_count
        from tariffs.registry import usage_counter_register

        usage_counter_register(resource="staff_users", counter=staff_active_count)
