-- Events of one kind over a span of time: the sender health guard reads notices, opt-outs
-- and failed sends of the last day by these.
CREATE INDEX events_kind_time ON events (kind, occurred_at);
