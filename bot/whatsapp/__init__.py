"""The boundary with Meta's WhatsApp Cloud API: signatures, payload models, extraction, routes."""
