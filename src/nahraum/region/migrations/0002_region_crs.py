# The planar CRS of a region (issue 13: the projection chosen for the data). Every region that
# exists already was projected into EPSG:25832 until now, so that is what it keeps.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("region", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="region",
            name="crs",
            field=models.CharField(
                default="EPSG:25832",
                help_text="The UTM zone of the region, e.g. EPSG:25832 (ETRS89 / UTM 32N).",
                max_length=20,
                verbose_name="planar reference system",
            ),
        ),
    ]
