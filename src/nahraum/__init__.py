"""nahraum: plan everyday services (Daseinsvorsorge) across municipal borders, with the citizens."""

from importlib.metadata import PackageNotFoundError, version

try:
    #: From the installed package's metadata (pyproject.toml), so there is one place to bump.
    __version__ = version("nahraum")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.3.0"
