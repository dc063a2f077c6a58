from django.db.models import QuerySet

from customers.models import CustomProperty


def property_list(*, include_archived: bool = True) -> list[CustomProperty]:
    properties = CustomProperty.objects.all()
    if not include_archived:
        properties = properties.filter(is_archived=False)
    return list(properties)


def property_queryset() -> QuerySet[CustomProperty]:
    return CustomProperty.objects.all()
