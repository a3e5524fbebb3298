"""Email confirmation apart from ``is_active``, and the confusable skeleton of every username."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from nahraum.accounts.usernames import skeleton

    User = apps.get_model("accounts", "User")
    for user in User.objects.all().only("pk", "username", "is_active", "date_joined"):
        user.username_skeleton = skeleton(user.username)
        # Active accounts have confirmed (or were made by staff); inactive ones stay unconfirmed
        # — an account disabled before this migration cannot be told from an unconfirmed one,
        # and a confirmation link can only have been mailed at its registration.
        user.email_confirmed_at = user.date_joined if user.is_active else None
        user.save(update_fields=["username_skeleton", "email_confirmed_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_is_example")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_confirmed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="email address confirmed"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(db_index=True, default="", editable=False, max_length=600),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
