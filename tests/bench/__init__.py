"""Benchmarks for consentbot: a raw HTTP/1.1 load generator and the webhook ingestion bench."""
