"""Filters, orders and searches name the field rules that guard them: each such name must be
a field of its entity, or a hidden field would be filtered on unguarded."""

from __future__ import annotations

import pytest

from auth.policy import ENTITY_FIELDS, maskable_fields
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Fields


@pytest.mark.parametrize(
    "fields",
    list(RECORD_FIELDS.values()),
    ids=[entity.value.lower() for entity in RECORD_FIELDS],
)
def test_every_guarding_rule_is_a_field_of_the_entity(fields: Fields) -> None:
    assert fields.entity is not None
    known = maskable_fields(fields.entity)
    for name, spec in fields.by_name.items():
        assert spec.rule is None or spec.rule in known, name
        if spec.other_end is not None:
            entity, rule = spec.other_end
            assert rule in maskable_fields(entity), (name, entity, rule)
    assert fields.searched
    for entity, name in fields.searched:
        assert name in ENTITY_FIELDS[entity], (entity, name)
    # Every filter named after a rule field is guarded by it.
    for name, spec in fields.by_name.items():
        if name in known:
            assert spec.rule == name, name
