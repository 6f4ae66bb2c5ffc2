"""Deterministic IPv4 allocation: next free address in a prefix, never an in-use one."""

from __future__ import annotations

import ipaddress

import pytest

from sharpeyes.ipam.alloc import PrefixExhaustedError, allocate_many, next_free


def test_first_address_is_above_the_reserved_range() -> None:
    assert str(next_free("10.44.8.0/24", [])) == "10.44.8.11/24"
    assert str(next_free("10.44.8.0/24", [], reserved_low=0)) == "10.44.8.1/24"


def test_skips_in_use_addresses_with_or_without_mask() -> None:
    in_use = ["10.44.8.11/24", "10.44.8.12", ipaddress.IPv4Address("10.44.8.13")]
    assert str(next_free("10.44.8.0/24", in_use)) == "10.44.8.14/24"


def test_fills_the_lowest_free_hole_and_ignores_other_prefixes() -> None:
    in_use = ["10.44.8.11/24", "10.44.8.13/24", "10.44.9.12/24"]
    assert str(next_free("10.44.8.0/24", in_use)) == "10.44.8.12/24"


def test_allocate_many_is_sequential_and_disjoint() -> None:
    got = allocate_many("10.44.8.0/24", ["10.44.8.12/24"], 3)
    assert [str(a) for a in got] == ["10.44.8.11/24", "10.44.8.13/24", "10.44.8.14/24"]


def test_exhausted_prefix_raises() -> None:
    full = [f"10.44.8.{n}" for n in range(9, 15)]
    with pytest.raises(PrefixExhaustedError, match=r"prefix 10.44.8.8/29: no free address"):
        next_free("10.44.8.8/29", full, reserved_low=0)


def test_rejects_a_host_address_as_prefix() -> None:
    with pytest.raises(ValueError, match="host bits set"):
        next_free("10.44.8.5/24", [])


def test_interfaces_in_use_are_taken_by_their_address() -> None:
    """An IPv4Interface is an IPv4Address subclass: `.11/24` in use must block `.11`."""
    used = [ipaddress.IPv4Interface("10.44.1.11/24"), ipaddress.IPv4Interface("10.44.1.12/24")]
    got = allocate_many("10.44.1.0/24", used, 2)
    assert [str(i) for i in got] == ["10.44.1.13/24", "10.44.1.14/24"]
