"""GraphQL for duplicate detection by phone or e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.crm import duplicates
from schema.context import Info

if TYPE_CHECKING:
    from schema.crm.companies import Company
    from schema.crm.contacts import Contact
    from schema.crm.leads import Lead


@strawberry.type(description="Records sharing a phone or e-mail (compared normalised).")
class Duplicates:
    leads: list[Annotated[Lead, strawberry.lazy("schema.crm.leads")]] = strawberry.field(
        description="Matching leads the viewer may read."
    )
    contacts: list[Annotated[Contact, strawberry.lazy("schema.crm.contacts")]] = strawberry.field(
        description="Matching contacts the viewer may read."
    )
    companies: list[Annotated[Company, strawberry.lazy("schema.crm.companies")]] = strawberry.field(
        description="Matching companies the viewer may read."
    )


@strawberry.type
class DuplicateQueries:
    @strawberry.field(
        description="Leads, contacts and companies with this phone or e-mail (either, when "
        "both are given); at least one is needed."
    )
    async def duplicates(
        self,
        info: Info,
        phone: Annotated[
            str | None,
            strawberry.argument(
                description="A phone number in any notation: its digits are compared."
            ),
        ] = None,
        email: Annotated[
            str | None,
            strawberry.argument(description="An e-mail address, compared ignoring case."),
        ] = None,
    ) -> Duplicates:
        from schema.crm.companies import Company
        from schema.crm.contacts import Contact
        from schema.crm.leads import Lead

        found = await duplicates.find_duplicates(info.context, phone, email)
        return Duplicates(
            leads=[Lead.of(row) for row in found.leads],
            contacts=[Contact.of(row) for row in found.contacts],
            companies=[Company.of(row) for row in found.companies],
        )
