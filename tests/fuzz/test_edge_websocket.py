"""The WebSocket's query (decision, user_id, min_score, fraud_only, since) fuzzed on the real edge:
a valid query opens a stream the client can close normally; a query with one invalid parameter is
closed by the edge with 1008 (policy violation) and a reason naming that parameter. Never a failed
handshake, never 1011 (internal error)."""

from __future__ import annotations

from urllib.parse import quote_from_bytes, urlencode

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudctl.runtime.kafka_broker import KafkaBroker
from tests.fuzz.conftest import FUZZ_EXAMPLES, SENT, assert_the_platform_still_decides
from tests.fuzz.nasty import texts

CLOSE_POLICY_VIOLATION = 1008
ID_CHARACTERS = "[A-Za-z0-9_.:@-]"

VALID = {
    "decision": st.lists(
        st.sampled_from(["APPROVE", "REVIEW", "DECLINE", "approve", "Review", "decline"]), min_size=1, max_size=3
    ),
    "user_id": st.from_regex(f"{ID_CHARACTERS}{{0,64}}", fullmatch=True).map(lambda text: [text]),
    "min_score": st.one_of(st.floats(0, 1), st.sampled_from([-0.0, 5e-324, 1.0])).map(lambda value: [repr(value)]),
    "fraud_only": st.sampled_from(["true", "false", "1", "0"]).map(lambda text: [text]),
    "since": st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 2**64 - 1])).map(lambda value: [str(value)]),
}
INVALID = {
    "decision": st.sampled_from(["MAYBE", "", "APPROVE ", "\x00", "DECLINE\x00"]),
    "user_id": st.one_of(
        st.sampled_from(["\x00", "bad id!", "a" * 65, "é", "\ud7ff", "tab\there"]),
        texts().filter(lambda text: not all(c.isascii() and (c.isalnum() or c in "_.:@-") for c in text)),
    ),
    "min_score": st.sampled_from(["nan", "NaN", "inf", "-inf", "-0.000001", "1.0000001", "1e400", "abc", "", "0x1"]),
    "fraud_only": st.sampled_from(["maybe", "", "2", "\x00", "truee"]),
    "since": st.sampled_from(["-1", "18446744073709551616", "1.5", "1e3", "abc", "", str(10**40), "\x00"]),
}


@st.composite
def queries(draw: st.DrawFn) -> tuple[str, str | None]:
    """A query string and the parameter it gets wrong (None: a valid query). Unknown parameters,
    which the edge ignores, come along."""
    params: list[tuple[str, str]] = []
    for name in draw(st.sets(st.sampled_from(sorted(VALID)))):
        params += [(name, value) for value in draw(VALID[name])]
    params += draw(st.lists(st.tuples(st.sampled_from(["unknown", "x"]), texts()), max_size=2))
    wrong = draw(st.none() | st.sampled_from(sorted(INVALID)))
    if wrong is not None:
        params = [(name, value) for name, value in params if name != wrong]
        params.append((wrong, draw(INVALID[wrong])))
    order = draw(st.permutations(params))
    return urlencode([(name, value.encode("utf-8", "surrogatepass")) for name, value in order]), wrong


@pytest.mark.parametrize("raw", [False, True], ids=["query", "raw bytes"])
async def test_a_bad_query_is_closed_with_1008_naming_the_parameter_and_a_good_one_streams(
    edge_url: str, raw: bool, edge_headers: dict[str, str]
) -> None:
    base = edge_url.replace("http://", "ws://") + "/api/ws?"
    outcomes: list[tuple[str, str | None]] = []

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(query=queries() if not raw else st.binary(max_size=40).map(lambda b: (quote_from_bytes(b, "=&"), "?")))
    def draw_query(query: tuple[str, str | None]) -> None:
        outcomes.append(query)

    draw_query()  # hypothesis draws the queries; the socket work is async, below
    for query, wrong in outcomes:
        SENT["websocket GET /api/ws"] += 1
        # An unbounded queue reads on as a browser does: a bounded one stops reading once a resume's
        # replay fills it, and then never sees the edge's answer to its close (1006, not 1000).
        async with websockets.connect(
            base + query, open_timeout=30, close_timeout=30, max_queue=None, additional_headers=edge_headers
        ) as socket:
            if wrong is None:
                await socket.close()
                assert socket.close_code == 1000, f"{query}: {socket.close_code} {socket.close_reason}"
            elif wrong == "?":  # raw bytes: either kind of outcome, but never an internal error
                await socket.close()
                assert socket.close_code in (1000, CLOSE_POLICY_VIOLATION), f"{query}: {socket.close_code}"
                assert socket.close_code != CLOSE_POLICY_VIOLATION or socket.close_reason
            else:
                with pytest.raises(websockets.ConnectionClosed):
                    await socket.recv()
                assert socket.close_code == CLOSE_POLICY_VIOLATION, f"{query}: {socket.close_code}"
                assert socket.close_reason.split(":")[0].split("[")[0] == wrong, f"{query}: {socket.close_reason}"


async def test_after_fuzzing_the_websocket_the_platform_still_decides(
    edge_url: str, kafka: KafkaBroker, edge_headers: dict[str, str]
) -> None:
    await assert_the_platform_still_decides(edge_url, kafka, edge_headers)
