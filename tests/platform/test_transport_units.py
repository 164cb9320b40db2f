"""Focused checks of the edge's building blocks (crmhub/request_shape.py, ws_messages.py,
ws_limits.py); the hostile-transport tests drive them through real servers."""

from __future__ import annotations

from crmhub.request_shape import nesting_depth, operation_problem
from crmhub.ws_limits import Socket, SocketLimits
from crmhub.ws_messages import close_reason


def test_nesting_depth_is_measured_without_recursion() -> None:
    value: object = 1
    for _ in range(100_000):  # far past Python's recursion limit
        value = [value]
    assert nesting_depth(value, 32) == 33  # counted no further than one past the limit
    assert nesting_depth({"a": [{"b": 1}], "c": 2}, 32) == 3
    assert nesting_depth("scalar", 32) == 0


def test_operation_problems_name_the_part_at_fault() -> None:
    assert operation_problem({"query": "{ viewer { id } }"}) is None
    problem = operation_problem({"query": "{ viewer { id } }", "variables": []})
    assert problem is not None and problem.field == "variables"
    problem = operation_problem({"query": None})
    assert problem is not None and problem.field == "query"


def test_a_close_reason_is_cut_on_a_character_boundary() -> None:
    reason = close_reason("é" * 100)  # 200 bytes in UTF-8
    assert len(reason.encode()) <= 123
    assert reason.endswith("...")
    assert set(reason.removesuffix("...")) == {"é"}
    assert close_reason("short") == "short"


def test_sockets_count_against_their_user_until_released() -> None:
    limits = SocketLimits(sockets_per_user=1, operations_per_user=5, per_socket=5)
    first, second = Socket(lambda: 0), Socket(lambda: 0)
    assert limits.admit(first, user_id=1) is None
    assert limits.admit(first, user_id=1) is None  # a repeated connection_init
    refusal = limits.admit(second, user_id=1)
    assert refusal is not None and refusal.code == "RATE_LIMITED"
    assert limits.admit(second, user_id=2) is None
    first.end()
    assert limits.open_sockets(1) == 0
    assert limits.admit(Socket(lambda: 0), user_id=1) is None


def test_a_socket_initialised_again_with_another_users_token_moves_to_that_user() -> None:
    limits = SocketLimits(sockets_per_user=1, operations_per_user=5, per_socket=5)
    socket = Socket(lambda: 0)
    assert limits.admit(socket, user_id=1) is None
    assert limits.admit(socket, user_id=2) is None
    assert (limits.open_sockets(1), limits.open_sockets(2)) == (0, 1)


def test_operations_are_capped_per_socket_and_per_user() -> None:
    limits = SocketLimits(sockets_per_user=3, operations_per_user=5, per_socket=3)
    running = {"a": 3, "b": 1}
    a, b = Socket(lambda: running["a"]), Socket(lambda: running["b"])
    limits.admit(a, user_id=1)
    limits.admit(b, user_id=1)
    refusal = a.operation_refusal()
    assert refusal is not None and "per connection" in refusal.message
    assert b.operation_refusal() is None  # 4 running of 5
    running["b"] = 2
    refusal = b.operation_refusal()
    assert refusal is not None and "per user" in refusal.message
