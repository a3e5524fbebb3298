"""Static files: hashed, compressed names once collected; the plain names before that.

WhiteNoise's manifest storage refuses to render a page whose static files were not collected
(``ValueError: The file … could not be found``). ``nahraum serve`` and ``nahraum demo`` always
collect first, but a management command, a shell or a test's subprocess renders pages without
having done so; for them the plain URL is right, and WhiteNoise serves the file from the app
directories (``WHITENOISE_USE_FINDERS`` is on until a manifest exists).
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest storage, falling back to unhashed names while nothing is collected."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
