-- Events of one kind, newest first: the review queue and complaint counts read them.
CREATE INDEX events_kind ON events (kind, seq);
