"""The REST API under `/v1`, plus health, metrics and the OpenAPI document."""
