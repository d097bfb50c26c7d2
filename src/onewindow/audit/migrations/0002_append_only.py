"""The audit log's head row, and triggers that refuse UPDATE and DELETE on the log."""

from django.db import migrations

from onewindow.audit.triggers import set_append_only


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(pk=1)


def triggers_on(apps, schema_editor):
    set_append_only(schema_editor.connection, True)


def triggers_off(apps, schema_editor):
    set_append_only(schema_editor.connection, False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(triggers_on, triggers_off),
    ]
