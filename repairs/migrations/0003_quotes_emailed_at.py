from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="quote",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
