"""Routes handed between searches in other processes, through shared memory."""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING

import pytest

from solver.portfolio import SharedBoard
from solver.route_mail import RouteMail, decode, encode

if TYPE_CHECKING:
    from solver.route_pool import SharedRoute

SPAWN = multiprocessing.get_context("spawn")


def _route(n: int, stops: int = 3) -> SharedRoute:
    """A route numbered ``n`` (in every field, so that a torn one shows)."""
    return (n % 4, tuple((10 * n + k, 100 * n + k) for k in range(stops)), 1000 * n, 7 * n, 5 * n)


def test_routes_come_back_as_they_went() -> None:
    routes = [_route(1), _route(2, stops=0), _route(3, stops=40)]
    assert decode(encode(routes)) == routes
    assert decode(encode([])) == []


def test_a_seat_gets_the_others_routes_once_and_never_its_own() -> None:
    mail = RouteMail(SPAWN, 3)
    mail.send(0, [_route(1), _route(2)])
    mail.send(2, [_route(3)])

    assert mail.receive(1) == [_route(1), _route(2), _route(3)]
    assert mail.receive(1) == []
    assert mail.receive(0) == [_route(3)]
    assert mail.receive(2) == [_route(1), _route(2)]


@pytest.mark.parametrize("mail", [True, False])
def test_a_board_without_mail_hands_nothing_on(mail: bool) -> None:
    """A board for one PyVRP search beside OR-Tools has no mailboxes (nobody would read
    them): what the search hands on goes nowhere; with mail it reaches the other seat."""
    board = SharedBoard(SPAWN, 2, mail=mail)
    board.share(1, [_route(1)])
    assert board.shared(0) == ([_route(1)] if mail else [])
    assert board.shared(1) == []


def test_routes_are_whole_across_the_end_of_the_ring() -> None:
    """A ring of 64 slots, read after every handing: records that run past its end come
    back whole, over many rounds."""
    mail = RouteMail(SPAWN, 2, slots=64)
    for n in range(50):
        routes = [_route(n, stops=n % 5), _route(n + 1, stops=(n + 2) % 7)]
        mail.send(0, routes)
        assert mail.receive(1) == routes


def test_a_lapped_reader_loses_the_unread_routes_but_reads_no_torn_one() -> None:
    mail = RouteMail(SPAWN, 2, slots=64)
    for n in range(10):  # 10 x 11 slots unread: more than the ring holds
        mail.send(0, [_route(n)])
    assert mail.receive(1) == []
    mail.send(0, [_route(42)])
    assert mail.receive(1) == [_route(42)]


def test_a_reader_a_whole_ring_behind_reads_it_all() -> None:
    """Two routes of 33 slots each fill a ring of 66 exactly: both are read; one more
    unread route laps the reader."""
    mail = RouteMail(SPAWN, 2, slots=66)
    mail.send(0, [_route(1, stops=14)])
    mail.send(0, [_route(2, stops=14)])
    assert mail.receive(1) == [_route(1, stops=14), _route(2, stops=14)]
    for n in (3, 4, 5):
        mail.send(0, [_route(n, stops=14)])
    assert mail.receive(1) == []


def test_a_handing_takes_the_first_routes_that_fit_half_a_ring() -> None:
    """Routes of 11 slots fit half a ring of 64 two at a time; one of 45 never does."""
    mail = RouteMail(SPAWN, 2, slots=64)
    mail.send(0, [_route(1), _route(2), _route(3, stops=20), _route(4)])
    assert mail.receive(1) == [_route(1), _route(2)]
    mail.send(0, [_route(5, stops=20)])  # 45 slots: nothing of it fits
    mail.send(0, [_route(6)])
    assert mail.receive(1) == [_route(6)]


def _send_from_child(mail: RouteMail, routes: list[SharedRoute]) -> None:
    mail.send(1, routes)


def test_routes_reach_a_search_in_another_process() -> None:
    mail = RouteMail(SPAWN, 2)
    routes = [_route(n, stops=30) for n in range(200)]
    child = SPAWN.Process(target=_send_from_child, args=(mail, routes))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert mail.receive(0) == routes
    assert mail.receive(1) == []
