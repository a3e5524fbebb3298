"""Fill the configured installation for the backup tests: the schema, the bundled region (cells,
facilities, geometry), its timetable (a binary column of npz arrays) and an account.

Run as a process of its own with the environment of a production installation.
"""

from __future__ import annotations


def main() -> None:
    from nahraum.bootstrap import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from nahraum.data.bundled import ensure_bundled_region
    from nahraum.region.models import Region
    from nahraum.transit.bundled import load_bundled_transit

    ensure_bundled_region(echo=lambda _: None)
    load_bundled_transit(Region.objects.get(), echo=lambda _: None)
    get_user_model().objects.create_user("planerin", "planerin@example.org", "Lange-Geheim-42")


if __name__ == "__main__":
    main()
