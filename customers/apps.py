from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers.selectors.customers import customer_active_count
        from tariffs.registry import usage_counter_register

        usage_counter_register(resource="active_customers", counter=customer_active_count)
