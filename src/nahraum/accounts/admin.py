from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .forms import AdminLoginForm
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "municipality", "is_active")
    list_filter = ("role", "municipality", "is_active")
    readonly_fields = ("email_confirmed_at",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            "nahraum",
            {
                "fields": (
                    "role",
                    "municipality",
                    "demographics_consent",
                    "age_band",
                    "district",
                    "is_example",
                    "email_confirmed_at",
                )
            },
        ),
    )


# The admin's login under the same throttle as the site's (the backend refuses; this form says why).
admin.site.login_form = AdminLoginForm
