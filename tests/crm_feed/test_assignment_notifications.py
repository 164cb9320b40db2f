"""A lead, contact, company or deal assigned to someone else tells them exactly once."""

from __future__ import annotations

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity
from tests.collaboration.factories import Company, Users, all_notifications, gid
from tests.factories import grant_role

CREATE = {
    "LEAD": 'mutation($to: ID) { createLead(input: {title: "L", assignedToId: $to}) { id } }',
    "CONTACT": 'mutation($to: ID) { createContact(input: {lastName: "C", assignedToId: $to}) '
    "{ id } }",
    "COMPANY": 'mutation($to: ID) { createCompany(input: {title: "Co", assignedToId: $to}) '
    "{ id } }",
    "DEAL": 'mutation($to: ID) { createDeal(input: {title: "D", assignedToId: $to}) { id } }',
}
REASSIGN = {
    "LEAD": "mutation($id: ID!, $to: ID) { updateLead(id: $id, input: {assignedToId: $to}) "
    "{ id } }",
    "CONTACT": "mutation($id: ID!, $to: ID) { updateContact(id: $id, input: {assignedToId: $to})"
    " { id } }",
    "COMPANY": "mutation($id: ID!, $to: ID) { updateCompany(id: $id, input: {assignedToId: $to})"
    " { id } }",
    "DEAL": "mutation($id: ID!, $to: ID) { updateDeal(id: $id, input: {assignedToId: $to}) "
    "{ id } }",
}


async def test_each_assignment_cause_notifies_once_and_never_the_actor(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    ada = await users(company.ada)
    nina, sam = gid("User", company.nina.id), gid("User", company.sam.id)
    for entity in CREATE:
        # Created for Nina by Ada: Nina is told.
        created = await ada.data(CREATE[entity], {"to": nina})
        record_id = next(iter(created.values()))["id"]
        # Ada's own record: nobody is told.
        own = await ada.data(CREATE[entity], {"to": None})
        own_id = next(iter(own.values()))["id"]
        # Reassigned to Sam: Sam is told; the same responsible again tells nobody.
        await ada.data(REASSIGN[entity], {"id": record_id, "to": sam})
        await ada.data(REASSIGN[entity], {"id": record_id, "to": sam})
        # Ada gives herself her own record again: no change, nobody told.
        await ada.data(REASSIGN[entity], {"id": own_id, "to": gid("User", company.ada.id)})
    expected = [
        (user.id, f"{entity}_ASSIGNED") for entity in CREATE for user in (company.nina, company.sam)
    ]
    assert await all_notifications(session_factory) == expected


async def _sales_manager(session_factory: SessionFactory, company: Company) -> None:
    """Nina works her own leads and deals (the admin API's rules, set up directly)."""
    levels = {
        (entity, action): AccessLevel.OWN
        for entity in (CrmEntity.LEAD, CrmEntity.DEAL)
        for action in (AccessAction.READ, AccessAction.CREATE, AccessAction.UPDATE)
    }
    await grant_role(session_factory, "Sales manager", levels, user=company.nina)


async def test_a_conversion_tells_the_responsible_once(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    await _sales_manager(session_factory, company)
    nina = await users(company.nina)
    lead = await nina.data(CREATE["LEAD"], {"to": None})
    ada = await users(company.ada)
    await ada.data(
        "mutation($id: ID!) { convertLead(id: $id, input: "
        "{createContact: true, createCompany: true, createDeal: true}) { deal { id } } }",
        {"id": lead["createLead"]["id"]},
    )
    assert await all_notifications(session_factory) == [(company.nina.id, "DEAL_ASSIGNED")]


async def test_a_record_assigned_to_oneself_tells_nobody(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    await _sales_manager(session_factory, company)
    nina = await users(company.nina)
    await nina.data(CREATE["DEAL"], {"to": gid("User", company.nina.id)})
    assert await all_notifications(session_factory) == []
