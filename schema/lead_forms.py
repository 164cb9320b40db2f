"""GraphQL for web forms: administrators define them; visitors post to their public address
(crmhub/forms.py), which is not GraphQL."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models import LeadForm as LeadFormRow
from resolvers import lead_forms
from resolvers.routing import Strategy
from schema.context import Info
from schema.crm.dictionaries import LeadSource, load_source
from schema.departments import Department, load_department
from schema.enums import described_enum
from schema.relay import Node, decode_id, decode_optional_id
from schema.users import User, load_user

FormId = Annotated[strawberry.ID, strawberry.argument(description="The form's ID.")]

described_enum(
    Strategy,
    "How a routed form picks, among a department's active members, who gets each new lead.",
    {
        Strategy.ROUND_ROBIN: "In turn, in the order members joined the hub.",
        Strategy.LEAST_LOADED: "The member with the fewest leads still being worked (status "
        "semantics PROCESS); the earliest among equals.",
    },
    name="LeadRouting",
)


@strawberry.type(description="Who gets a routed form's leads.")
class LeadFormRouting:
    strategy: Strategy = strawberry.field(description="How the next member is picked.")
    department_id: strawberry.Private[int]

    @strawberry.field(
        description="Its own active members (not its subdepartments') take the leads; with "
        "none active, a lead goes to `assignedTo`, else the owner."
    )
    async def department(self, info: Info) -> Department | None:
        row = await load_department(info, self.department_id)
        return Department.of(row) if row else None


@strawberry.type(description="A field of a web form and the lead field it fills.")
class LeadFormField:
    name: str = strawberry.field(description="The field's name in the submission.")
    lead_field: str = strawberry.field(description="The lead field it fills.")
    required: bool = strawberry.field(description="A submission without it is refused.")


@strawberry.type(description="How a form's submissions went, counted.")
class LeadFormSubmissions:
    created: int = strawberry.field(description="Made a lead.")
    invalid: int = strawberry.field(description="Refused for bad input; nothing was made.")
    spam: int = strawberry.field(
        description="Filled the honeypot: answered as accepted, nothing was made."
    )
    refused: int = strawberry.field(
        description="The form's owner could not create the lead (rights lost); nothing was made."
    )


@strawberry.type(
    description="A web form that creates leads. Visitors post to `submitPath` (JSON or "
    "form-encoded, no login); each submission becomes a lead made in the owner's rights, "
    "assigned to `assignedTo` (else the owner), with the form's source and the submission's "
    "`utm_*` marks; a lead whose phone or e-mail matches a customer is flagged `isRepeat`."
)
class LeadForm(Node):
    name: str = strawberry.field(description="As admins call it.")
    submit_path: str = strawberry.field(
        description="Where the form posts: `/forms/<key>`. The key is what admits a "
        "submission: give it only to the pages that carry the form."
    )
    fields: list[LeadFormField] = strawberry.field(description="What a submission carries.")
    honeypot: str = strawberry.field(
        description="A field to hide from people on the page: a submission that fills it is "
        "a bot's."
    )
    active: bool = strawberry.field(description="Inactive forms answer 404.")
    routing: LeadFormRouting | None = strawberry.field(
        description="Leads go to a department's members in turn or by load; null: to `assignedTo`."
    )
    created_at: datetime = strawberry.field(description="When it was defined.")
    owner_id: strawberry.Private[int]
    assigned_to_id: strawberry.Private[int | None]
    source_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: LeadFormRow) -> LeadForm:
        return cls(
            pk=row.id,
            name=row.name,
            submit_path=f"/forms/{row.key}",
            fields=[
                LeadFormField(name=f["name"], lead_field=f["leadField"], required=f["required"])
                for f in row.fields
            ],
            honeypot=row.honeypot,
            active=row.active,
            routing=None
            if row.route_strategy is None or row.route_department_id is None
            else LeadFormRouting(
                strategy=Strategy(row.route_strategy), department_id=row.route_department_id
            ),
            created_at=row.created_at,
            owner_id=row.owner_id,
            assigned_to_id=row.assigned_to_id,
            source_id=row.source_id,
        )

    @strawberry.field(description="In whose rights its leads are created.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.owner_id)

    @strawberry.field(description="Who its leads are assigned to; null: the owner.")
    async def assigned_to(self, info: Info) -> User | None:
        return None if self.assigned_to_id is None else await load_user(info, self.assigned_to_id)

    @strawberry.field(description="The source its leads get; null for none.")
    async def source(self, info: Info) -> LeadSource | None:
        return await load_source(info, self.source_id)

    @strawberry.field(description="Its submissions so far, by outcome.")
    async def submissions(self, info: Info) -> LeadFormSubmissions:
        counts = await info.context.loader(lead_forms.submissions_by_form).load(self.pk)
        return LeadFormSubmissions(
            created=counts.get(lead_forms.Outcome.CREATED, 0),
            invalid=counts.get(lead_forms.Outcome.INVALID, 0),
            spam=counts.get(lead_forms.Outcome.SPAM, 0),
            refused=counts.get(lead_forms.Outcome.REFUSED, 0),
        )


@strawberry.input(description="A field of a new form.")
class LeadFormFieldInput:
    name: str = strawberry.field(
        description="Its name in the submission: a letter, then letters, digits, `_`, `.` or "
        "`-`, up to 64; not `utm_*` (those marks are always taken)."
    )
    lead_field: str = strawberry.field(
        description=f"The lead field it fills: one of {', '.join(lead_forms.TARGETS)}."
    )
    required: bool = strawberry.field(default=False, description="Refuse submissions without it.")


@strawberry.input(description="Routing a form's leads among a department's members.")
class LeadFormRoutingInput:
    department_id: strawberry.ID = strawberry.field(
        description="Its own active members take the leads."
    )
    strategy: Strategy = strawberry.field(description="How the next one is picked.")


@strawberry.input(description="A new web form.")
class CreateLeadFormInput:
    name: str = strawberry.field(description=f"Up to {lead_forms.MAX_NAME} characters.")
    fields: list[LeadFormFieldInput] = strawberry.field(
        description=f"1 to {lead_forms.MAX_FIELDS} fields, their names unique. Without a "
        "title, name or company title the lead is titled after the form."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The active user in whose rights leads are created; null: you.",
    )
    assigned_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who the leads are assigned to; null: the owner."
    )
    source_id: strawberry.ID | None = strawberry.field(
        default=None, description="The source the leads get."
    )
    honeypot: str = strawberry.field(
        default="website", description="The name of the field bots fill and people do not see."
    )
    routing: LeadFormRoutingInput | None = strawberry.field(
        default=None,
        description="Route leads among a department's members (then `assignedToId` only "
        "serves when none is active); null: every lead to `assignedToId`.",
    )


@strawberry.type
class LeadFormQueries:
    @strawberry.field(description="Admin only: the web forms, oldest first.")
    async def lead_forms(self, info: Info) -> list[LeadForm]:
        return [LeadForm.of(row) for row in await lead_forms.list_lead_forms(info.context)]


@strawberry.type
class LeadFormMutations:
    @strawberry.mutation(description="Admin only: defines a web form; it is active at once.")
    async def create_lead_form(
        self,
        info: Info,
        input: Annotated[CreateLeadFormInput, strawberry.argument(description="The form.")],
    ) -> LeadForm:
        new = lead_forms.NewLeadForm(
            name=input.name,
            fields=[
                lead_forms.FormField(field.name, field.lead_field, field.required)
                for field in input.fields
            ],
            owner_id=decode_optional_id(input.owner_id, "User", "ownerId"),
            assigned_to_id=decode_optional_id(input.assigned_to_id, "User", "assignedToId"),
            source_id=decode_optional_id(input.source_id, "LeadSource", "sourceId"),
            honeypot=input.honeypot,
            routing=None
            if input.routing is None
            else lead_forms.Routing(
                department_id=decode_id(
                    input.routing.department_id, "Department", "routing.departmentId"
                ),
                strategy=input.routing.strategy,
            ),
        )
        return LeadForm.of(await lead_forms.create_lead_form(info.context, new))

    @strawberry.mutation(description="Admin only: stops or resumes taking submissions.")
    async def set_lead_form_active(
        self,
        info: Info,
        id: FormId,
        active: Annotated[bool, strawberry.argument(description="Take submissions.")],
    ) -> LeadForm:
        form_id = decode_id(id, "LeadForm")
        return LeadForm.of(await lead_forms.set_lead_form_active(info.context, form_id, active))

    @strawberry.mutation(
        description="Admin only: deletes a form and its submission log; the leads it made "
        "stay. Its address answers 404 from then on."
    )
    async def delete_lead_form(self, info: Info, id: FormId) -> strawberry.ID:
        await lead_forms.delete_lead_form(info.context, decode_id(id, "LeadForm"))
        return id
