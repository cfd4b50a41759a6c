"""consentbot: a WhatsApp opt-out and consent service."""

__version__ = "0.1.0"
