"""The per-process cache of compiled policies."""

from __future__ import annotations

from dataclasses import replace

from auth.policy import CompiledPolicy, StatusCatalog, StatusFacts
from auth.viewer import Viewer
from models.crm import CrmEntity, Semantics
from resolvers.access.cache import PolicyCache

VIEWER = Viewer(user_id=1, is_admin=False, department_id=2, department_path="/2/", token_id=9)


def policy(viewer: Viewer) -> CompiledPolicy:
    return CompiledPolicy(viewer, [])


def test_a_newer_epoch_empties_the_cache_and_older_policies_are_not_kept() -> None:
    cache = PolicyCache()
    cache.put(VIEWER, policy(VIEWER))
    assert cache.get(replace(VIEWER, token_id=10)) is not None  # any token of the user
    newer = replace(VIEWER, policy_epoch=1)
    assert cache.get(newer) is None
    assert len(cache) == 0
    cache.put(VIEWER, policy(VIEWER))  # compiled by a request that read the old epoch
    assert len(cache) == 0


def test_a_moved_user_never_gets_the_policy_of_their_old_department() -> None:
    cache = PolicyCache()
    cache.put(VIEWER, policy(VIEWER))
    assert cache.get(replace(VIEWER, department_id=3, department_path="/3/")) is None
    assert cache.get(replace(VIEWER, is_admin=True)) is None


def test_the_least_recently_used_policy_goes_first() -> None:
    cache = PolicyCache(capacity=2)
    first, second, third = (replace(VIEWER, user_id=user_id) for user_id in (1, 2, 3))
    cache.put(first, policy(first))
    cache.put(second, policy(second))
    assert cache.get(first) is not None
    cache.put(third, policy(third))
    assert cache.get(second) is None
    assert cache.get(first) is not None
    assert cache.get(third) is not None


def test_the_status_catalog_is_shared_by_the_policies_of_one_epoch() -> None:
    cache = PolicyCache()
    catalog = StatusCatalog({CrmEntity.DEAL: {7: StatusFacts(Semantics.SUCCESS, 1)}})
    assert cache.catalog(0) is None
    cache.put(VIEWER, CompiledPolicy(VIEWER, [], catalog))
    assert cache.catalog(0) is catalog
    admin = replace(VIEWER, user_id=5, is_admin=True)
    cache.put(admin, CompiledPolicy(admin, []))  # admins' policies carry no catalog
    assert cache.catalog(0) is catalog
    # Statuses are created with an epoch bump: a newer epoch needs its own catalog.
    assert cache.catalog(1) is None
    cache.put(VIEWER, CompiledPolicy(VIEWER, [], catalog))  # compiled under epoch 0: too old
    assert cache.catalog(1) is None
