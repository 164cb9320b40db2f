"""Compiled policies, cached per process, keyed by viewer and policy epoch."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from auth.policy import CompiledPolicy
from auth.viewer import Viewer

MAX_CACHED_POLICIES = 10_000


def cache_key(viewer: Viewer) -> Hashable:
    # The department path and admin flag are in the key as well as the epoch: a policy is
    # never served to a viewer whose standing it was not compiled for, bump or no bump.
    return (viewer.user_id, viewer.is_admin, viewer.department_path, viewer.policy_epoch)


class PolicyCache:
    """A bounded LRU of compiled policies. A newer epoch empties it: what was compiled under
    an older one can never be asked for again by a fresh request."""

    def __init__(self, capacity: int = MAX_CACHED_POLICIES) -> None:
        self._capacity = capacity
        self._epoch = -1
        self._policies: OrderedDict[Hashable, CompiledPolicy] = OrderedDict()

    def get(self, viewer: Viewer) -> CompiledPolicy | None:
        self._advance(viewer.policy_epoch)
        key = cache_key(viewer)
        policy = self._policies.get(key)
        if policy is not None:
            self._policies.move_to_end(key)
        return policy

    def put(self, viewer: Viewer, policy: CompiledPolicy) -> None:
        self._advance(viewer.policy_epoch)
        if viewer.policy_epoch < self._epoch:
            return
        self._policies[cache_key(viewer)] = policy
        if len(self._policies) > self._capacity:
            self._policies.popitem(last=False)

    def _advance(self, epoch: int) -> None:
        if epoch > self._epoch:
            self._policies.clear()
            self._epoch = epoch

    def __len__(self) -> int:
        return len(self._policies)
