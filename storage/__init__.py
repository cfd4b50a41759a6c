"""Persistence for consentbot behind one `Store` protocol (SQLite and PostgreSQL)."""
