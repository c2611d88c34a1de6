"""One decision stream, fanned out the same way wherever it is served (notify_svc's subscribers, the
edge's WebSocket clients): a window of recent decisions to resume from, per-subscriber bounded
queues, filters, gaps, and cut-off of a subscriber too slow to keep up.

| module | job |
| --- | --- |
| `item.py` | what the hub needs of one decision it carries |
| `filter.py` | which decisions one subscriber wants, and its `fraud.v1.DecisionFilter` form |
| `window.py` | the retained decisions, by sequence and by transaction id |
| `subscription.py` | one subscriber's replay, live queue, gaps and ending |
| `waiters.py` | callers waiting for one transaction's decision |
| `hub.py` | ties them together: publish, subscribe, close |
| `catch_up.py` | a subscription that starts in an older source than the window and joins the hub |
| `errors.py` | the cut-off of a too-slow subscriber, naming where to resume |
"""

from fraudmesh.decision_stream.catch_up import CatchUp, Missing, OlderDecisions
from fraudmesh.decision_stream.errors import SubscriberTooSlow
from fraudmesh.decision_stream.filter import SubscriptionFilter
from fraudmesh.decision_stream.hub import StreamHub
from fraudmesh.decision_stream.item import StreamItem
from fraudmesh.decision_stream.subscription import Gap, Subscription
from fraudmesh.decision_stream.window import RetainedWindow

__all__ = [
    "CatchUp",
    "Gap",
    "Missing",
    "OlderDecisions",
    "RetainedWindow",
    "StreamHub",
    "StreamItem",
    "SubscriberTooSlow",
    "Subscription",
    "SubscriptionFilter",
]
