"""Compiled policies, cached per process, keyed by viewer and policy epoch; and the status
catalog of the current epoch, which every policy compiled under it shares."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from auth.policy import CompiledPolicy, StatusCatalog
from auth.viewer import Viewer

MAX_CACHED_POLICIES = 10_000


def cache_key(viewer: Viewer) -> Hashable:
    # The department path and admin flag are in the key as well as the epoch: a policy is
    # never served to a viewer whose standing it was not compiled for, bump or no bump; an
    # API key limited to a role has a policy of its own.
    return (
        viewer.user_id,
        viewer.is_admin,
        viewer.department_path,
        viewer.policy_epoch,
        viewer.role_limit,
    )


class PolicyCache:
    """A bounded LRU of compiled policies. A newer epoch empties it: what was compiled under
    an older one can never be asked for again by a fresh request."""

    def __init__(self, capacity: int = MAX_CACHED_POLICIES) -> None:
        self._capacity = capacity
        self._epoch = -1
        self._policies: OrderedDict[Hashable, CompiledPolicy] = OrderedDict()
        self._catalog: StatusCatalog | None = None

    def get(self, viewer: Viewer) -> CompiledPolicy | None:
        self._advance(viewer.policy_epoch)
        key = cache_key(viewer)
        policy = self._policies.get(key)
        if policy is not None:
            self._policies.move_to_end(key)
        return policy

    def catalog(self, epoch: int) -> StatusCatalog | None:
        """The statuses known at ``epoch``, once a policy has been compiled under it: the
        next policies compiled under it need not load them again. Statuses are created in
        the transaction of an epoch bump, so a catalog read under an epoch lacks none of that
        epoch's statuses."""
        self._advance(epoch)
        return self._catalog if epoch == self._epoch else None

    def put(self, viewer: Viewer, policy: CompiledPolicy) -> None:
        self._advance(viewer.policy_epoch)
        if viewer.policy_epoch < self._epoch:
            return
        if self._catalog is None and not viewer.is_admin:
            self._catalog = policy.catalog
        self._policies[cache_key(viewer)] = policy
        if len(self._policies) > self._capacity:
            self._policies.popitem(last=False)

    def _advance(self, epoch: int) -> None:
        if epoch > self._epoch:
            self._policies.clear()
            self._catalog = None
            self._epoch = epoch

    def __len__(self) -> int:
        return len(self._policies)
