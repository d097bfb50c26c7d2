"""The alert rules a city starts with: all on; residents told 30 days ahead, staff the day
after a date passes."""

from django.db import migrations

DEFAULTS = {
    "permit_expiring": 30,
    "endorsement_due": 30,
    "review_overdue": 0,
    "overstay": 0,
    "deadline_breach": 0,
}


def create(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for kind, days in DEFAULTS.items():
        AlertRule.objects.get_or_create(kind=kind, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
