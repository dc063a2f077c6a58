"""Create the role groups (admin, marketer, cashier) holding the rights of staff.roles.ROLE_RIGHTS."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def roles_create(apps, schema_editor):
    from staff.roles import roles_sync

    # Permissions are normally written after all migrations ran; write staff's now so that the
    # groups can hold them.
    create_permissions(global_apps.get_app_config("staff"), verbosity=0, apps=apps)
    content_type = apps.get_model("contenttypes", "ContentType").objects.get(app_label="staff", model="user")
    roles_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        content_type=content_type,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
