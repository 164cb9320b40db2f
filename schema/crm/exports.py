"""GraphQL for exports: ``exportLeads``, ``exportContacts``, ``exportCompanies``,
``exportDeals``; each answers a signed, short-lived link to the file
(``resolvers/crm/exports.py``, served by ``crmhub/exports.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models.crm import CrmEntity
from resolvers.crm import exports
from resolvers.crm.export_config import ExportFormat
from schema.context import Info
from schema.crm.companies import CompanyFilter, CompanyOrder
from schema.crm.contacts import ContactFilter, ContactOrder
from schema.crm.deals import DealFilter, DealOrder
from schema.crm.filters import ViewArg, with_view
from schema.crm.leads import LeadFilter, LeadOrder
from schema.enums import described_enum

described_enum(
    ExportFormat,
    "The file an export makes.",
    {
        ExportFormat.CSV: "Comma-separated values: UTF-8 with a byte order mark (Excel opens "
        "it as UTF-8), RFC 4180 quoting, CRLF line ends.",
        ExportFormat.XLSX: "An Excel workbook of one sheet, every cell text.",
        ExportFormat.VCARD: "vCard 3.0, one card per contact (names, position, company, "
        "phones, e-mails): contacts only, no `columns`.",
    },
)

COLUMNS_HELP = (
    "The columns, in order, named as the fields of the record's type (`title`, "
    "`assignedTo`, `amount`), `phones` and `emails`, or a custom field's code. Default: "
    "the `view`'s columns, else every column. Unknown names are refused (BAD_USER_INPUT "
    "naming them); columns hidden from you on every record are left out."
)
SEARCH_HELP = "Free text, as the list's `filter.search`; with `filter`, both must hold."
FORMAT_HELP = "The file to make."
FILTER_HELP = "The records to export, as the list takes it."
ORDER_HELP = "The rows' order, as the list takes it (default: the list's)."


@strawberry.type(description="Where to download an export; the link works for a short while.")
class ExportLink:
    url: str = strawberry.field(
        description="GET it (no Authorization header needed) to stream the file. It acts as "
        "you, with your rights when it is opened; logging out ends it."
    )
    expires_at: datetime = strawberry.field(description="When the link stops working.")
    columns: list[str] = strawberry.field(
        description="The columns of the file, in order: those asked for that you may see."
    )
    format: ExportFormat = strawberry.field(description="The file's format.")


async def _export(
    info: Info,
    entity: CrmEntity,
    filter: Any,
    order_by: list[Any] | None,
    search: str | None,
    columns: list[str] | None,
    format: ExportFormat,
    view: str | None,
) -> ExportLink:
    applied = await with_view(info, entity, filter, order_by, view)
    if columns is None and applied.columns and format is not ExportFormat.VCARD:
        columns = list(applied.columns)
    link = await exports.request_export(
        info.context,
        entity,
        exports.with_search(applied.filter, search),
        applied.order,
        columns,
        format,
    )
    return ExportLink(url=link.url, expires_at=link.expires_at, columns=link.columns, format=format)


_DESCRIPTION = (
    "A link to a file of the {what} you may both read and export (the EXPORT right; "
    "FORBIDDEN without it), filtered and ordered as the list is. Values hidden from you "
    "are left empty."
)


FormatArg = Annotated[ExportFormat, strawberry.argument(description=FORMAT_HELP)]
SearchArg = Annotated[str | None, strawberry.argument(description=SEARCH_HELP)]
ColumnsArg = Annotated[list[str] | None, strawberry.argument(description=COLUMNS_HELP)]
LeadFilterArg = Annotated[LeadFilter | None, strawberry.argument(description=FILTER_HELP)]
LeadOrderArg = Annotated[list[LeadOrder] | None, strawberry.argument(description=ORDER_HELP)]
ContactFilterArg = Annotated[ContactFilter | None, strawberry.argument(description=FILTER_HELP)]
ContactOrderArg = Annotated[list[ContactOrder] | None, strawberry.argument(description=ORDER_HELP)]
CompanyFilterArg = Annotated[CompanyFilter | None, strawberry.argument(description=FILTER_HELP)]
CompanyOrderArg = Annotated[list[CompanyOrder] | None, strawberry.argument(description=ORDER_HELP)]
DealFilterArg = Annotated[DealFilter | None, strawberry.argument(description=FILTER_HELP)]
DealOrderArg = Annotated[list[DealOrder] | None, strawberry.argument(description=ORDER_HELP)]


@strawberry.type
class ExportMutations:
    @strawberry.mutation(description=_DESCRIPTION.format(what="leads"))
    async def export_leads(
        self,
        info: Info,
        format: FormatArg,
        filter: LeadFilterArg = None,
        order_by: LeadOrderArg = None,
        search: SearchArg = None,
        columns: ColumnsArg = None,
        view: ViewArg = None,
    ) -> ExportLink:
        return await _export(info, CrmEntity.LEAD, filter, order_by, search, columns, format, view)

    @strawberry.mutation(
        description=_DESCRIPTION.format(what="contacts") + " The only export that makes vCards."
    )
    async def export_contacts(
        self,
        info: Info,
        format: FormatArg,
        filter: ContactFilterArg = None,
        order_by: ContactOrderArg = None,
        search: SearchArg = None,
        columns: ColumnsArg = None,
        view: ViewArg = None,
    ) -> ExportLink:
        return await _export(
            info, CrmEntity.CONTACT, filter, order_by, search, columns, format, view
        )

    @strawberry.mutation(description=_DESCRIPTION.format(what="companies"))
    async def export_companies(
        self,
        info: Info,
        format: FormatArg,
        filter: CompanyFilterArg = None,
        order_by: CompanyOrderArg = None,
        search: SearchArg = None,
        columns: ColumnsArg = None,
        view: ViewArg = None,
    ) -> ExportLink:
        return await _export(
            info, CrmEntity.COMPANY, filter, order_by, search, columns, format, view
        )

    @strawberry.mutation(description=_DESCRIPTION.format(what="deals"))
    async def export_deals(
        self,
        info: Info,
        format: FormatArg,
        filter: DealFilterArg = None,
        order_by: DealOrderArg = None,
        search: SearchArg = None,
        columns: ColumnsArg = None,
        view: ViewArg = None,
    ) -> ExportLink:
        return await _export(info, CrmEntity.DEAL, filter, order_by, search, columns, format, view)
