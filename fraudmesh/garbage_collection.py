"""Python's cyclic garbage collector, set for a service that allocates many short-lived objects.

With the default threshold (700 allocations) the collector runs every few calls or batches, each time
walking the objects of the work still in progress and moving them into older generations, and now
and then walks every module's objects as well: work that grows with the load and holds the GIL. The
objects made at start-up (libraries, the model, the app) live as long as the process, so they are
moved out of the collector's sight, and the youngest generation is collected less often, when most
of a call's objects have already been freed by reference counting. Nothing is disabled: cycles are still found, so memory stays flat."""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 20_000


def relax_garbage_collection() -> None:
    """Call once start-up is done (everything allocated so far is kept out of later collections)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
