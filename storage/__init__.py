"""Persistence for consentbot behind one `Store` protocol (SQLite now, PostgreSQL next)."""
