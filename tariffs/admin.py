from django.contrib import admin

from tariffs.models import TariffPlan


@admin.register(TariffPlan)
class TariffPlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "price",
        "currency",
        "max_active_customers",
        "max_staff_users",
        "max_stores",
        "max_terminals",
        "is_available",
    )
    list_editable = ("is_available",)
