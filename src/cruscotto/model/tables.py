"""The canonical tables of SPEC §2, declared once.

Amounts are stored in the record's own currency (ISO 4217 code beside them) and
converted to the company's base currency with `fx_rates` when a KPI is computed.
"""

from __future__ import annotations

from cruscotto.model.declaration import Column, Table, fk

C = Column

ACTIVITY_TYPES = ("call", "email", "chat", "meeting", "demo", "linkedin_inmail", "proposal")
ACTIVITY_OUTCOMES = (
    "completed",
    "no_answer",
    "replied",
    "no_reply",
    "accepted",
    "declined",
    "proposed",
)
OPPORTUNITY_STATUSES = ("open", "won", "lost")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
SURVEY_KINDS = ("nps", "csat")
SURVEY_CONTEXTS = ("post_sale", "ticket", "periodic")
QUOTE_STATUSES = ("requested", "sent", "accepted", "rejected", "expired")
PROJECT_STATUSES = ("planned", "active", "done", "cancelled")
LIST_EVENTS = ("subscribe", "unsubscribe")
SEGMENTS = ("smb", "mid_market", "enterprise")
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1000+")
REP_ROLES = ("sdr", "ae", "account_manager", "support", "consultant", "manager")

_CURRENCY = "ISO 4217 currency code of the amount (EUR, USD, GBP…)"

REPS = Table(
    "reps",
    "A person who sells, serves or delivers; also the owner of records.",
    (
        C("rep_id", "string", "Identifier of the person", nullable=False),
        C("name", "string", "Full name", nullable=False),
        C("email", "string", "Work e-mail address"),
        C("team", "string", "Team the person belongs to"),
        C("role", "string", "Job role", allowed=REP_ROLES),
        C("active", "bool", "Still working for the company", nullable=False),
        C(
            "capacity_hours_per_day",
            "float",
            "Hours available for work per working day",
            minimum=0,
            maximum=24,
        ),
    ),
    primary_key=("rep_id",),
)

ACCOUNTS = Table(
    "accounts",
    "A customer or prospect company.",
    (
        C("account_id", "string", "Identifier of the company", nullable=False),
        C("name", "string", "Company name", nullable=False),
        C("industry", "string", "Industry sector"),
        C("segment", "string", "Market segment", allowed=SEGMENTS),
        C("size_band", "string", "Number of employees", allowed=SIZE_BANDS),
        C("country", "string", "ISO 3166 country code"),
        C("acquisition_channel", "string", "Channel through which the account was acquired"),
        C("owner_id", "string", "Account owner", references=fk("reps")),
        C("created_at", "timestamp", "When the account was created (UTC)", nullable=False),
    ),
    primary_key=("account_id",),
    date_column="created_at",
)

CAMPAIGNS = Table(
    "campaigns",
    "A marketing campaign with its spend.",
    (
        C("campaign_id", "string", "Identifier of the campaign", nullable=False),
        C("name", "string", "Campaign name", nullable=False),
        C("channel", "string", "Marketing channel", nullable=False),
        C("started_at", "date", "First day of the campaign", nullable=False),
        C("ended_at", "date", "Last day of the campaign"),
        C("spend", "float", "Total spend of the campaign", nullable=False, minimum=0),
        C("currency", "string", _CURRENCY, nullable=False),
    ),
    primary_key=("campaign_id",),
    temporal_order=(("started_at", "ended_at"),),
    date_column="started_at",
)

LEADS = Table(
    "leads",
    "A contact entering the funnel.",
    (
        C("lead_id", "string", "Identifier of the lead", nullable=False),
        C("created_at", "timestamp", "When the lead entered the funnel (UTC)", nullable=False),
        C("channel", "string", "Lead source channel", nullable=False),
        C("campaign_id", "string", "Campaign that generated the lead", references=fk("campaigns")),
        C("owner_id", "string", "Rep who owns the lead", references=fk("reps")),
        C("mql_at", "timestamp", "When the lead became marketing-qualified"),
        C("sql_at", "timestamp", "When the lead became sales-qualified"),
        C("first_response_at", "timestamp", "First outbound activity towards the lead"),
        C("disqualified_at", "timestamp", "When the lead was disqualified"),
        C("converted_at", "timestamp", "When the lead became a customer (won deal)"),
        C("account_id", "string", "Company of the lead", references=fk("accounts")),
        C(
            "opportunity_id",
            "string",
            "Deal opened from the lead",
            references=fk("opportunities"),
        ),
    ),
    primary_key=("lead_id",),
    temporal_order=(
        ("created_at", "mql_at"),
        ("mql_at", "sql_at"),
        ("created_at", "first_response_at"),
        ("created_at", "converted_at"),
        ("created_at", "disqualified_at"),
    ),
    date_column="created_at",
)

OPPORTUNITIES = Table(
    "opportunities",
    "A deal.",
    (
        C("opportunity_id", "string", "Identifier of the deal", nullable=False),
        C("account_id", "string", "Company the deal is with", references=fk("accounts")),
        C("lead_id", "string", "Lead the deal came from", references=fk("leads")),
        C("owner_id", "string", "Rep who owns the deal", references=fk("reps")),
        C("pipeline", "string", "Sales pipeline", nullable=False),
        C("stage", "string", "Current stage", nullable=False),
        C("amount", "float", "Deal value", minimum=0),
        C("currency", "string", _CURRENCY, nullable=False),
        C("product", "string", "Product or service sold"),
        C("created_at", "timestamp", "When the deal was opened (UTC)", nullable=False),
        C("expected_close_date", "date", "When the rep expects the deal to close"),
        C("closed_at", "timestamp", "When the deal was won or lost (UTC)"),
        C("status", "string", "open, won or lost", nullable=False, allowed=OPPORTUNITY_STATUSES),
        C("lost_reason", "string", "Why a lost deal was lost"),
        C("probability", "float", "Close probability set in the CRM (0–1)", minimum=0, maximum=1),
        C("forecast_category", "string", "CRM forecast category", allowed=FORECAST_CATEGORIES),
    ),
    primary_key=("opportunity_id",),
    temporal_order=(("created_at", "closed_at"),),
    date_column="created_at",
)

STAGE_HISTORY = Table(
    "stage_history",
    "A deal entering a stage.",
    (
        C(
            "opportunity_id",
            "string",
            "The deal",
            nullable=False,
            references=fk("opportunities"),
        ),
        C("stage", "string", "Stage entered", nullable=False),
        C("entered_at", "timestamp", "When the deal entered the stage (UTC)", nullable=False),
    ),
    primary_key=("opportunity_id", "stage", "entered_at"),
    date_column="entered_at",
)

ACTIVITIES = Table(
    "activities",
    "A call, e-mail, chat, meeting, demo, LinkedIn InMail or proposal.",
    (
        C("activity_id", "string", "Identifier of the activity", nullable=False),
        C("type", "string", "Kind of activity", nullable=False, allowed=ACTIVITY_TYPES),
        C("occurred_at", "timestamp", "When it happened (UTC)", nullable=False),
        C("rep_id", "string", "Rep who did it", references=fk("reps")),
        C("lead_id", "string", "Lead it concerns", references=fk("leads")),
        C("opportunity_id", "string", "Deal it concerns", references=fk("opportunities")),
        C("account_id", "string", "Company it concerns", references=fk("accounts")),
        C("direction", "string", "inbound or outbound", allowed=("inbound", "outbound")),
        C("duration_min", "float", "Duration in minutes", minimum=0),
        C("outcome", "string", "What came of it", allowed=ACTIVITY_OUTCOMES),
    ),
    primary_key=("activity_id",),
    date_column="occurred_at",
)

QUOTES = Table(
    "quotes",
    "A quote or proposal requested by a prospect and sent by the company.",
    (
        C("quote_id", "string", "Identifier of the quote", nullable=False),
        C("opportunity_id", "string", "Deal it belongs to", references=fk("opportunities")),
        C("account_id", "string", "Company that asked", references=fk("accounts")),
        C("requested_at", "timestamp", "When the quote was requested (UTC)", nullable=False),
        C("sent_at", "timestamp", "When it was sent"),
        C("amount", "float", "Quoted value", minimum=0),
        C("currency", "string", _CURRENCY),
        C("status", "string", "State of the quote", nullable=False, allowed=QUOTE_STATUSES),
    ),
    primary_key=("quote_id",),
    temporal_order=(("requested_at", "sent_at"),),
    date_column="requested_at",
)

TICKETS = Table(
    "tickets",
    "A support request.",
    (
        C("ticket_id", "string", "Identifier of the ticket", nullable=False),
        C("account_id", "string", "Company that asked", references=fk("accounts")),
        C("opened_at", "timestamp", "When the ticket was opened (UTC)", nullable=False),
        C("first_response_at", "timestamp", "First answer from the company"),
        C("resolved_at", "timestamp", "When it was resolved"),
        C("agent_id", "string", "Agent handling it", references=fk("reps", "rep_id")),
        C("priority", "string", "Priority", allowed=TICKET_PRIORITIES),
        C("category", "string", "Category; 'complaint' marks complaints"),
        C("channel", "string", "Channel the request came from"),
        C("followups", "int", "Follow-up exchanges after the first answer", minimum=0),
        C("resolved_on_first_contact", "bool", "Resolved in the first exchange"),
        C("sla_response_hours", "float", "Response time promised by the SLA", minimum=0),
        C("sla_resolution_hours", "float", "Resolution time promised by the SLA", minimum=0),
    ),
    primary_key=("ticket_id",),
    temporal_order=(("opened_at", "first_response_at"), ("opened_at", "resolved_at")),
    date_column="opened_at",
)

SURVEYS = Table(
    "surveys",
    "An NPS (0–10) or CSAT (1–5) answer.",
    (
        C("response_id", "string", "Identifier of the answer", nullable=False),
        C("account_id", "string", "Company that answered", references=fk("accounts")),
        C("kind", "string", "nps or csat", nullable=False, allowed=SURVEY_KINDS),
        C("score", "int", "Score given", nullable=False, minimum=0, maximum=10),
        C("context", "string", "When it was asked", allowed=SURVEY_CONTEXTS),
        C("responded_at", "timestamp", "When it was answered (UTC)", nullable=False),
        C("comment", "string", "Free-text comment"),
    ),
    primary_key=("response_id",),
    date_column="responded_at",
)

CONTRACTS = Table(
    "contracts",
    "A recurring agreement with a customer.",
    (
        C("contract_id", "string", "Identifier of the contract", nullable=False),
        C("account_id", "string", "Customer", nullable=False, references=fk("accounts")),
        C("product", "string", "Product or service"),
        C("start_date", "date", "First day of the contract", nullable=False),
        C("end_date", "date", "Last day of the contract term"),
        C("mrr", "float", "Monthly recurring revenue", nullable=False, minimum=0),
        C("currency", "string", _CURRENCY, nullable=False),
        C("cancelled_at", "date", "Day the customer cancelled"),
        C("cancel_reason", "string", "Why the customer cancelled"),
    ),
    primary_key=("contract_id",),
    temporal_order=(("start_date", "end_date"), ("start_date", "cancelled_at")),
    date_column="start_date",
)

INVOICES = Table(
    "invoices",
    "An invoice line, with the direct cost of what it sells.",
    (
        C("invoice_id", "string", "Identifier of the invoice line", nullable=False),
        C("account_id", "string", "Customer billed", nullable=False, references=fk("accounts")),
        C("issued_at", "date", "Issue date", nullable=False),
        C("product", "string", "Product or service"),
        C("amount", "float", "Net amount invoiced", nullable=False),
        C("direct_cost", "float", "Direct cost of delivering it", minimum=0),
        C("currency", "string", _CURRENCY, nullable=False),
        C("rep_id", "string", "Rep credited with the sale", references=fk("reps")),
    ),
    primary_key=("invoice_id",),
    date_column="issued_at",
)

LIST_EVENTS_TABLE = Table(
    "list_events",
    "Subscriptions to and removals from a mailing list.",
    (
        C("occurred_at", "date", "Day of the change", nullable=False),
        C("event", "string", "subscribe or unsubscribe", nullable=False, allowed=LIST_EVENTS),
        C("list_id", "string", "Mailing list", nullable=False),
        C("count", "int", "How many addresses", nullable=False, minimum=0),
    ),
    primary_key=("occurred_at", "event", "list_id"),
    date_column="occurred_at",
)

PROJECTS = Table(
    "projects",
    "A delivery project for a customer.",
    (
        C("project_id", "string", "Identifier of the project", nullable=False),
        C("account_id", "string", "Customer", references=fk("accounts")),
        C("planned_start", "date", "Planned first day", nullable=False),
        C("planned_end", "date", "Planned last day", nullable=False),
        C("actual_end", "date", "Day it actually finished"),
        C("status", "string", "State of the project", nullable=False, allowed=PROJECT_STATUSES),
    ),
    primary_key=("project_id",),
    temporal_order=(("planned_start", "planned_end"), ("planned_start", "actual_end")),
    date_column="planned_start",
)

TASKS = Table(
    "tasks",
    "A unit of delivery work.",
    (
        C("task_id", "string", "Identifier of the task", nullable=False),
        C("project_id", "string", "Project it belongs to", references=fk("projects")),
        C("assignee_id", "string", "Person doing it", references=fk("reps", "rep_id")),
        C("due_at", "timestamp", "Deadline (UTC)", nullable=False),
        C("completed_at", "timestamp", "When it was completed"),
        C("output_units", "float", "Units of output delivered", minimum=0),
    ),
    primary_key=("task_id",),
    date_column="due_at",
)

TIMESHEETS = Table(
    "timesheets",
    "Hours worked by a person on a day.",
    (
        C("entry_id", "string", "Identifier of the entry", nullable=False),
        C("person_id", "string", "Who worked", nullable=False, references=fk("reps", "rep_id")),
        C("worked_on", "date", "Day worked", nullable=False),
        C("hours", "float", "Hours worked", nullable=False, minimum=0, maximum=24),
        C("billable", "bool", "Billable to a customer", nullable=False),
        C("project_id", "string", "Project worked on", references=fk("projects")),
        C("output_units", "float", "Units of output produced", minimum=0),
    ),
    primary_key=("entry_id",),
    date_column="worked_on",
)

FINANCIALS = Table(
    "financials",
    "One month of the profit and loss account, in the base currency.",
    (
        C("month", "date", "First day of the month", nullable=False),
        C("revenue", "float", "Revenue", nullable=False),
        C("cogs", "float", "Cost of goods and services sold", nullable=False),
        C("opex", "float", "Operating expenses", nullable=False),
        C("depreciation", "float", "Depreciation"),
        C("amortization", "float", "Amortization"),
        C("interest", "float", "Interest"),
        C("taxes", "float", "Taxes"),
    ),
    primary_key=("month",),
    date_column="month",
)

FORECASTS = Table(
    "forecasts",
    "A rep's forecast of won value for a period.",
    (
        C("rep_id", "string", "Rep forecasting", nullable=False, references=fk("reps")),
        C("period", "string", "Forecast period, e.g. 2026-03 or 2026-Q1", nullable=False),
        C("amount", "float", "Forecast won value in the base currency", nullable=False),
        C("submitted_at", "timestamp", "When the forecast was submitted (UTC)", nullable=False),
    ),
    primary_key=("rep_id", "period", "submitted_at"),
    date_column="submitted_at",
)

MENTIONS = Table(
    "mentions",
    "Brand mentions counted on a day, for share of voice.",
    (
        C("measured_on", "date", "Day counted", nullable=False),
        C("brand", "string", "Brand mentioned", nullable=False),
        C("is_own", "bool", "The company's own brand", nullable=False),
        C("mentions", "int", "Number of mentions", nullable=False, minimum=0),
    ),
    primary_key=("measured_on", "brand"),
    date_column="measured_on",
)

FX_RATES = Table(
    "fx_rates",
    "Daily exchange rate of a currency into the base currency.",
    (
        C("day", "date", "Day of the rate", nullable=False),
        C("currency", "string", "ISO 4217 currency code", nullable=False),
        C("rate_to_base", "float", "Base-currency units for one unit", nullable=False, minimum=0),
    ),
    primary_key=("day", "currency"),
    date_column="day",
)

TABLES: tuple[Table, ...] = (
    REPS,
    ACCOUNTS,
    CAMPAIGNS,
    LEADS,
    OPPORTUNITIES,
    STAGE_HISTORY,
    ACTIVITIES,
    QUOTES,
    TICKETS,
    SURVEYS,
    CONTRACTS,
    INVOICES,
    LIST_EVENTS_TABLE,
    PROJECTS,
    TASKS,
    TIMESHEETS,
    FINANCIALS,
    FORECASTS,
    MENTIONS,
    FX_RATES,
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise KeyError(f"unknown table {name!r}; the tables are: {known}") from None
