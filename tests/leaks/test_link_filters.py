"""A filter on a link between two records reveals the link from both ends: a rule hiding it
on either end refuses the filter."""

from __future__ import annotations

from tests.leaks.conftest import LogIn
from tests.leaks.test_hidden_field_side_doors import A_COMPANY, _hide, _refused


async def _a_company(demo: LogIn) -> str:
    maria = await demo("maria.ivanova@example.com")
    (edge,) = (await maria.data(A_COMPANY))["companies"]["edges"]
    company: str = edge["node"]["id"]
    return company


async def test_hidden_company_contacts_cannot_be_found_from_the_contacts(demo: LogIn) -> None:
    company = await _a_company(demo)
    await _hide(await demo("admin@example.com"), "COMPANY", "contacts")
    maria = await demo("maria.ivanova@example.com")
    await _refused(
        maria,
        "query($c: ID!) { contacts(filter: {companyId: {eq: $c}}) { totalCount } }",
        "filter.companyId",
        c=company,
    )


async def test_hidden_company_deals_cannot_be_found_from_the_deals(demo: LogIn) -> None:
    company = await _a_company(demo)
    await _hide(await demo("admin@example.com"), "COMPANY", "deals")
    maria = await demo("maria.ivanova@example.com")
    await _refused(
        maria,
        "query($c: ID!) { deals(filter: {not: {companyId: {in: [$c]}}}) { totalCount } }",
        "filter.companyId",
        c=company,
    )
