"""nahraum: plan everyday services (Daseinsvorsorge) across municipal borders, with the citizens."""

__version__ = "0.1.0"
