"""A few counters and a latency histogram in Prometheus' text format."""

from __future__ import annotations

import bisect
from collections import Counter

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()  # by outcome
        self.events: Counter[tuple[str, str]] = Counter()  # by (kind, new|duplicate)
        self.requests: Counter[tuple[str, int]] = Counter()  # by (route, status)
        self._latency = [0] * (len(_BUCKETS) + 1)
        self._latency_sum = 0.0
        self._latency_count = 0

    def observe_webhook(self, seconds: float) -> None:
        self._latency[bisect.bisect_left(_BUCKETS, seconds)] += 1
        self._latency_sum += seconds
        self._latency_count += 1

    def render(self) -> str:
        lines = [
            "# HELP consentbot_webhook_deliveries_total Webhook deliveries by outcome.",
            "# TYPE consentbot_webhook_deliveries_total counter",
        ]
        lines += [
            f'consentbot_webhook_deliveries_total{{outcome="{k}"}} {v}'
            for k, v in sorted(self.deliveries.items())
        ]
        lines += [
            "# HELP consentbot_events_total Ledger events from webhooks and the API.",
            "# TYPE consentbot_events_total counter",
        ]
        lines += [
            f'consentbot_events_total{{kind="{k}",result="{r}"}} {v}'
            for (k, r), v in sorted(self.events.items())
        ]
        lines += [
            "# HELP consentbot_http_requests_total HTTP requests by route and status.",
            "# TYPE consentbot_http_requests_total counter",
        ]
        lines += [
            f'consentbot_http_requests_total{{route="{k}",status="{s}"}} {v}'
            for (k, s), v in sorted(self.requests.items())
        ]
        lines += [
            "# HELP consentbot_webhook_seconds Time from request to acknowledgement.",
            "# TYPE consentbot_webhook_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip((*_BUCKETS, float("inf")), self._latency, strict=True):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(f'consentbot_webhook_seconds_bucket{{le="{le}"}} {cumulative}')
        lines.append(f"consentbot_webhook_seconds_sum {self._latency_sum}")
        lines.append(f"consentbot_webhook_seconds_count {self._latency_count}")
        return "\n".join(lines) + "\n"
