from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.forms import AdminAddUserForm, AdminChangeUserForm
from accounts.models import User


@admin.register(User)
class ForeseerUserAdmin(UserAdmin):
    # Both apply the username rule (accounts.usernames) to a new name.
    add_form = AdminAddUserForm
    form = AdminChangeUserForm
    list_display = ("username", "email", "origin", "is_staff", "date_joined")
    list_filter = ("origin", "is_staff", "is_superuser", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Foreseer", {"fields": ("origin",)}),
        # Staff can clear a display name or a bio that breaks the site's rules.
        (
            "Profile",
            {
                "fields": (
                    "display_name",
                    "bio",
                    "profile_public",
                    "calibration_public",
                    "time_zone",
                )
            },
        ),
    )


# Failed logins counted towards the lockout (django-axes): who is locked out, from where,
# and until when; deleting a row unlocks that name and address. Read-only otherwise.
admin.site.register(AccessAttempt, AccessAttemptAdmin)
