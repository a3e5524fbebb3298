"""Operating an installation: health report, request ids and log lines, backup and restore.

A plain package beside the apps: it owns no models and no URLs of its own. ``nahraum.web`` mounts
the health view and the request middleware, ``nahraum.cli`` registers ``nahraum backup`` and
``nahraum restore``. It imports only Django, :mod:`nahraum.bootstrap` and the jobs app's public
selectors, so that operating code never reaches into an app's internals.
"""
