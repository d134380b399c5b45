"""Every JSON shape the HTTP surface exchanges, declared once, as a ``msgspec.Struct``.

A shape's fields, their order, which are required, which may be ``null``, and every limit
(``Meta``) are written here and nowhere else. The store, the emulator controls and the state
export build these structs; the admin and emulator routes answer with them; the dashboard reads
their attributes; ``openapi.py`` generates ``components.schemas`` from them
(``msgspec.json.schema_components``); ``state.py`` reads its known keys and limits from them.
A struct's docstring is its public description (``/docs``, ``docs/reference.md``), so it is
written for the integrator.

    answers      HelpCenter  Secret  SecretInfo  ApiKey  ApiKeyInfo  User  Session  Attempt
                 Message  Fault  Clock  Health  Error  NewSession  NewMessage  IdentifyResponse
                 IdentifyWarning  HelpCenterUser  UserPage  (the Users API, ``/v1``)
    bodies       HelpCenterCreate  MessageCreate  IdentifyRequest  ClockUpdate  FaultCreate
                 UserCreate  UserUpdate
    state        State  StateHelpCenter  StateUser  StateSession  StateAttempt  StateMessage
                 StateFault  (what ``GET /api/emulator/state`` exports, ``PUT`` and seeds load)

Identify's and the widget's answers are built by their own modules (``routes/identify.py``,
``sessions.py``) on the hot path; the structs here declare them for the document.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Final

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from verifier import attributes, errors, keys
from verifier.identifiers import IDENTIFIER
from verifier.token_warnings import CODES as WARNING_CODES

# -- limits: each written once, read by the structs below and by the hand checks -------------

MAX_NAME_CHARS: Final = 200  # a help center's or a message's name
MAX_DOMAIN_CHARS: Final = 300  # a help center's domain as typed (punycode may grow it)
MAX_ID_CHARS: Final = 64  # help center id and widget_id, session and message ids (columns)
MAX_EMAIL_CHARS: Final = 320  # a contact-form email
MAX_BODY_CHARS: Final = 5000  # a contact-form message
MAX_CODE_CHARS: Final = 32  # identify_attempts.code and .token_fingerprint (columns)
MIN_SECRET_BYTES: Final = keys.SECRET_BYTES  # HS256 wants at least 256 bits (RFC 7518 3.2)
MAX_SECRET_BYTES: Final = 1024
MAX_USER_EMAIL_CHARS: Final = 320  # a help center user's email (identify's limit too)
MAX_USER_NAME_CHARS: Final = 512  # a help center user's name (identify's limit too)
MAX_ATTRIBUTES: Final = 100  # keys of a help center user's attributes
MAX_ATTRIBUTE_KEY_CHARS: Final = 200
MAX_USERS_PAGE: Final = 100  # GET /v1/users?limit=
DEFAULT_USERS_PAGE: Final = 20
MAX_FAULT_TIMES: Final = 100_000
MAX_FAULT_DELAY_MS: Final = 60_000
# A fault answers with a JSON error body: 1xx, 204 and 304 cannot carry one, 2xx and 3xx would
# contradict it.
MIN_FAULT_STATUS: Final = 400
MAX_FAULT_STATUS: Final = 599


def error_classes() -> dict[str, type[errors.VerifierError]]:
    """Every error class ``errors.py`` defines, by code, in definition order."""
    found: dict[str, type[errors.VerifierError]] = {}
    pending = list(errors.VerifierError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        if cls.__module__ == errors.__name__ and hasattr(cls, "code"):
            found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


ERROR_CODES: Final = tuple(error_classes())
CONTRACT_CODES: Final = tuple(errors.CONTRACT_ERRORS)

# -- field types -----------------------------------------------------------------------------
# ``Annotated[T, Meta(description=...)]`` around one of these adds a field's own description.

DateTime = Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
Instant = Annotated[DateTime, Meta(description="ISO-8601 in UTC, to the millisecond")]
Identifier = Annotated[str, Meta(pattern=f"^{IDENTIFIER.pattern}$")]
Attributes = Annotated[dict[str, Any] | None, Meta(
    description="the token's `customAttributes`, when it had them")]
FaultTimes = Annotated[int, Meta(ge=1, le=MAX_FAULT_TIMES)]
FaultStatus = Annotated[int, Meta(ge=MIN_FAULT_STATUS, le=MAX_FAULT_STATUS)]
FaultDelay = Annotated[int, Meta(ge=0, le=MAX_FAULT_DELAY_MS)]
Remaining = Annotated[int, Meta(ge=0, description="identify calls still to answer with this "
                                                  "fault")]
# The codes are errors.py's classes: listed from there into the schema (a Literal here would
# retype them), and checked by the code that takes them in (state.validate_fault).
ContractCode = Annotated[str, Meta(extra_json_schema={"enum": list(CONTRACT_CODES)})]
FaultCode = Annotated[str | None, Meta(extra_json_schema={"enum": [*CONTRACT_CODES, None]})]
AttemptCode = Annotated[str, Meta(description="`ok` on success, else the error code answered",
                                  extra_json_schema={"enum": ["ok", *ERROR_CODES]})]

# Descriptions shared by a field of an answer and the same field of the state.
HcId = Annotated[str, Meta(description="the help center's id, used in every admin path")]
HcDomain = Annotated[str, Meta(
    description="the help center's host, e.g. `help.example.com`: a bare host (no scheme, port "
                "or path), IDNs as punycode")]
WidgetId = Annotated[str, Meta(description="what the SDK's `init` names; public")]
Sub = Annotated[str, Meta(description="the JWT's subject: the user's identity in this help "
                                      "center")]
BoundEmail = Annotated[str, Meta(description="bound to this `sub` alone in this help center "
                                             "(case-insensitively)")]
LatestName = Annotated[str | None, Meta(description="the latest token's `name`")]
LastSeen = Annotated[Instant, Meta(description="the latest successful identify")]
SessionId = Annotated[str, Meta(description="the session's id (`ses_...`)")]
SessionSub = Annotated[str | None, Meta(description="the identified user's `sub`; `null` while "
                                                    "anonymous")]
Origin = Annotated[str | None, Meta(description="the calling page's origin")]
IdentifiedAt = Annotated[Instant | None, Meta(description="the latest successful identify; "
                                                          "`null` while anonymous")]
AttemptOrigin = Annotated[str | None, Meta(
    description="the calling page's origin (`Origin`, else the `Referer`'s)")]
Reason = Annotated[str, Meta(description="why: the emulator's own explanation, never a secret")]
ClaimedSub = Annotated[str | None, Meta(
    description="the `sub` the token claimed (unverified on a failure)")]
TokenFingerprint = Annotated[str | None, Meta(
    description="`jwt:` and 12 hex digits of the token's SHA-256; never the token")]
MessageId = Annotated[str, Meta(description="`msg_...`")]
MessageSub = Annotated[str | None, Meta(description="the session's user, when it was "
                                                    "identified")]
FrameToken = Annotated[str, Meta(
    description="what the widget frame of this session opens with "
                "(`GET /widget/{widget_id}/frame?token=...`); short-lived")]


ApiKeyId = Annotated[str, Meta(description="`key_...`: what `DELETE .../api-keys/{key_id}` "
                                           "names")]
KeyFingerprint = Annotated[str, Meta(description="`sha256:` and 16 hex digits: tells keys apart")]
UserEmail = Annotated[str, Meta(
    max_length=MAX_USER_EMAIL_CHARS,
    description="an email as identify takes it (one `@`, a domain with a dot, no spaces); "
                "stored lower-case")]
UserName = Annotated[str, Meta(max_length=MAX_USER_NAME_CHARS)]
UserAttributes = Annotated[dict[Annotated[str, Meta(max_length=MAX_ATTRIBUTE_KEY_CHARS)], Any],
                           Meta(max_length=MAX_ATTRIBUTES, description=(
                               "what user-group audience rules match: each value "
                               f"{attributes.ALLOWED}"))]


# -- meta ------------------------------------------------------------------------------------


class Health(Struct):
    status: Annotated[str, Meta(extra_json_schema={"const": "ok"})]


class ErrorDetail(Struct):
    code: Annotated[str, Meta(extra_json_schema={"enum": list(ERROR_CODES)})]
    message: Annotated[str, Meta(
        description="the exact text an integrator sees in the real product's console")]
    reason: Annotated[str, Meta(
        description="the emulator's own explanation of why; never contains a secret")]


class Error(Struct):
    """Every error response (CONTRACT.md section 2)."""

    error: ErrorDetail


class IdentifyWarning(Struct):
    """Something a successful identify accepted that will hurt in production; never changes
    the status."""

    code: Annotated[str, Meta(extra_json_schema={"enum": list(WARNING_CODES)})]
    reason: Annotated[str, Meta(description="names the claim or attribute concerned")]


Warnings = Annotated[list[IdentifyWarning], Meta(
    description="things the real service accepts but that will hurt in production; present only "
                "when there is at least one")]


# -- the admin API ---------------------------------------------------------------------------


class HelpCenter(Struct):
    id: HcId
    name: str
    domain: HcDomain
    widget_id: WidgetId
    created_at: Instant
    has_jwt_secret: bool


class HelpCenterCreate(Struct, kw_only=True):
    name: Annotated[str, Meta(max_length=MAX_NAME_CHARS)]
    domain: Annotated[str, Meta(
        max_length=MAX_DOMAIN_CHARS,
        description="a bare host with a registrable domain, an IP address or `localhost`; a "
                    "public suffix (`com`, `co.uk`, `github.io`) is refused")]
    widget_id: Annotated[Identifier, Meta(description="chosen widget id; generated when "
                                                      "absent")] | None = None
    id: Annotated[Identifier, Meta(description="chosen id; generated when absent")] | None = None


class Secret(Struct):
    """The only time the secret is ever shown."""

    secret: Annotated[str, Meta(
        description="the HS256 signing secret (at least 256 bits of randomness)")]
    created_at: Instant
    fingerprint: Annotated[str, Meta(description="`sha256:` and 16 hex digits: tells secrets "
                                                 "apart")]


class SecretInfo(Struct):
    """Never the secret."""

    created_at: Instant
    fingerprint: str


class User(Struct):
    sub: Annotated[str | None, Meta(
        description="the JWT's subject: the user's identity in this help center; `null` for a "
                    "user created through the Users API that no identify has bound yet")]
    email: BoundEmail
    name: LatestName
    custom_attributes: Attributes
    created_at: Instant
    last_seen_at: LastSeen
    disabled: Annotated[bool, Meta(
        description="set through the Users API: identify refuses the user (`user_disabled`)")]


class Session(Struct):
    id: SessionId
    sub: SessionSub
    email: str | None
    origin: Origin
    user_agent: str | None
    started_at: Instant
    identified_at: IdentifiedAt
    # When the session ended: its user was disabled (the Users API). null while it lives.
    ended_at: Annotated[str | None, Meta(description=(
        "when the session ended because its user was disabled (the Users API); null while "
        "it lives"))] = None


class Attempt(Struct):
    """One identify call, as the journal keeps it."""

    at: Instant
    origin: AttemptOrigin
    code: AttemptCode
    reason: Reason
    sub: ClaimedSub
    token_fingerprint: TokenFingerprint
    warnings: Warnings | UnsetType = UNSET


class Message(Struct):
    """A contact-form message."""

    id: MessageId
    session_id: str | None
    sub: MessageSub
    email: str | None
    name: str | None
    body: str
    created_at: Instant


class ApiKey(Struct):
    """The only time the key is ever shown."""

    id: ApiKeyId
    key: Annotated[str, Meta(description="`fdsk_...`: send it as `Authorization: Bearer "
                                         "fdsk_...` to `/v1`")]
    created_at: Instant
    fingerprint: KeyFingerprint


class ApiKeyInfo(Struct):
    """A Users API key, never the key itself."""

    id: ApiKeyId
    created_at: Instant
    fingerprint: KeyFingerprint


# -- the Users API (/v1) ---------------------------------------------------------------------


class HelpCenterUser(Struct, rename="camel"):
    """A help center user, as Ferndesk's Users API shows it: one set of users for identify and
    the API."""

    id: Annotated[str, Meta(description="`hcusr_...`")]
    helpdesk_id: Annotated[str, Meta(description="the help center's id")]
    email: Annotated[str, Meta(description="lower-case; one user per email in a help center")]
    name: str | None
    email_verified: bool
    disabled: bool
    attributes: UserAttributes
    last_login_at: Annotated[Instant | None, Meta(
        description="the latest successful identify; `null` until one")]
    created_at: Instant
    updated_at: Instant


class UserPage(Struct):
    """One page of users, oldest first."""

    items: list[HelpCenterUser]
    limit: int
    offset: int
    total: Annotated[int, Meta(description="how many users match, on every page")]


class UserCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    email: UserEmail
    name: UserName | None = None
    attributes: UserAttributes = {}
    disabled: bool = False


class UserUpdate(Struct, kw_only=True, forbid_unknown_fields=True):
    """Every field optional: an absent one is unchanged."""

    email: UserEmail | UnsetType = UNSET
    name: Annotated[UserName | None, Meta(description="`null` clears it")] | UnsetType = UNSET
    attributes: Annotated[UserAttributes, Meta(
        description="replaces the whole object")] | UnsetType = UNSET
    disabled: bool | UnsetType = UNSET


# -- the widget ------------------------------------------------------------------------------


class MessageCreate(Struct, kw_only=True):
    session_id: Annotated[str, Meta(
        max_length=MAX_ID_CHARS,
        description="the widget's session; its user is attached to the message")] | None = None
    email: Annotated[str, Meta(max_length=MAX_EMAIL_CHARS)] | None = None
    name: Annotated[str, Meta(max_length=MAX_NAME_CHARS)] | None = None
    body: Annotated[str, Meta(max_length=MAX_BODY_CHARS)]


class StartedSession(Struct, kw_only=True):
    id: SessionId
    started_at: Instant
    frame_token: FrameToken | UnsetType = UNSET


class NewSession(Struct):
    session: StartedSession


class NewMessage(Struct):
    message: Message


class IdentifyRequest(Struct, kw_only=True):
    jwt: Annotated[str, Meta(
        description="the HS256 JWT the integrator's backend signed; a non-blank string")]
    session_id: Annotated[str, Meta(
        description="the widget's session; an unknown one starts a new session")] | None = None


class IdentifiedUser(Struct):
    sub: Sub
    email: BoundEmail
    name: LatestName
    custom_attributes: Attributes


class IdentifiedSession(Struct, kw_only=True):
    id: SessionId
    sub: str
    email: str
    name: str | None
    origin: Origin
    started_at: Instant
    identified_at: Instant
    frame_token: FrameToken | UnsetType = UNSET


class IdentifyResponse(Struct):
    user: IdentifiedUser
    session: IdentifiedSession
    warnings: Warnings | UnsetType = UNSET


# -- the emulator controls -------------------------------------------------------------------


class Clock(Struct):
    """The emulator's clock."""

    now: Annotated[Instant, Meta(description="now as the emulator sees it")]
    offset_seconds: float
    frozen: bool
    frozen_at: Annotated[Instant | None, Meta(
        description="the instant the clock is stopped at, else `null`")]


class ClockUpdate(Struct, kw_only=True, forbid_unknown_fields=True):
    """At most one of the two: `{"offset_seconds": N}` shifts now, `{"frozen_at": ISO-8601}`
    stops it, `{}` (or no body) restores the real clock."""

    json_schema_extra: ClassVar[dict[str, Any]] = {"maxProperties": 1}

    offset_seconds: Annotated[float, Meta(
        description="seconds, within 100 years either way, and never putting now before "
                    "1970")] | UnsetType = UNSET
    frozen_at: Annotated[DateTime, Meta(
        description="a naive instant is taken as UTC")] | UnsetType = UNSET


class Fault(Struct):
    """An injected fault."""

    id: int
    times: FaultTimes
    remaining: Remaining
    code: FaultCode
    status: FaultStatus | None
    delay_ms: FaultDelay
    created_at: Instant


class FaultCreate(Struct, kw_only=True):
    """At least one of `code`, `status` and `delay_ms`."""

    times: Annotated[FaultTimes, Meta(description="how many of the next identify calls it "
                                                  "answers")]
    code: Annotated[ContractCode, Meta(
        description="answer this contract error, with its exact message")] | None = None
    status: Annotated[FaultStatus, Meta(
        description="answer this status (`injected_fault` when no `code`)")] | None = None
    delay_ms: Annotated[FaultDelay, Meta(description="wait this long first")] = 0


# -- the state: export, import, seed ---------------------------------------------------------


class StateUser(Struct, kw_only=True):
    """An import also takes `customAttributes`. Only `email` is required: a user created
    through the Users API has no `sub`, and older exports have no `id` (one is made)."""

    sub: Annotated[str | None, Meta(description="`null` for a user no identify has bound")] \
        = None
    email: BoundEmail
    name: LatestName = None
    custom_attributes: Annotated[dict[str, Any] | None, Meta(
        description="the user's `attributes` (a token's `customAttributes`)")] = None
    created_at: Instant | None = None
    last_seen_at: Annotated[LastSeen, Meta(description="the latest successful identify")] | None \
        = None
    id: Annotated[str, Meta(description="the Users API's `hcusr_...`")] | None = None
    email_verified: bool = False
    disabled: bool = False
    last_login_at: Instant | None = None
    updated_at: Instant | None = None


class StateSession(Struct, kw_only=True):
    id: SessionId
    sub: SessionSub = None
    email: str | None = None
    origin: Origin = None
    user_agent: str | None = None
    started_at: Instant | None = None
    identified_at: IdentifiedAt = None
    name: str | None = None
    ended_at: Instant | None = None  # its user was disabled


class StateAttempt(Struct, kw_only=True):
    at: Instant | None = None
    origin: AttemptOrigin = None
    code: AttemptCode
    reason: Reason | None = None
    sub: ClaimedSub = None
    token_fingerprint: TokenFingerprint = None
    warnings: Warnings | UnsetType = UNSET


class StateMessage(Struct, kw_only=True):
    id: MessageId
    session_id: str | None = None
    sub: MessageSub = None
    email: str | None = None
    name: str | None = None
    body: str
    created_at: Instant | None = None


class StateFault(Struct, kw_only=True):
    """A fault without its `id`; `remaining` defaults to `times`."""

    times: FaultTimes
    remaining: Remaining | UnsetType = UNSET
    code: FaultCode = None
    status: FaultStatus | None = None
    delay_ms: FaultDelay = 0
    created_at: Instant | None = None


class StateHelpCenter(Struct, kw_only=True):
    """`name` and `widget_id` default to `id`."""

    id: HcId
    name: str | None = None
    domain: HcDomain
    widget_id: WidgetId | None = None
    created_at: Instant | None = None
    jwt_secret: Annotated[str | None, Meta(
        description="the secret itself: the one place it is readable again")] = None
    jwt_secret_created_at: Annotated[Instant | None, Meta(
        description="when the secret was made")] = None
    users: list[StateUser] = []
    api_keys: Annotated[list[str], Meta(
        description="the Users API keys themselves (`fdsk_...`)")] = []
    sessions: list[StateSession] = []
    identify_attempts: list[StateAttempt] = []
    messages: list[StateMessage] = []
    faults: list[StateFault] = []


class StateClock(Struct, kw_only=True):
    offset_seconds: float = 0
    frozen_at: Annotated[Instant | None, Meta(description="`null` when the clock runs")] = None


class State(Struct, kw_only=True):
    """The whole state: what `GET` exports, `PUT` imports and `serve --seed` loads (JSON or
    TOML). An export carries every field; an import needs only the required ones (a missing
    timestamp is now)."""

    help_centers: list[StateHelpCenter]
    clock: StateClock | None = None


# What openapi.py publishes, in this order; the nested-only shapes are inlined where used.
PUBLISHED: Final = (Error, Health, HelpCenter, HelpCenterCreate, Secret, SecretInfo, ApiKey,
                    ApiKeyInfo, User, Session, Attempt, Message, HelpCenterUser, UserPage,
                    UserCreate, UserUpdate, MessageCreate, NewSession, NewMessage,
                    IdentifyRequest, IdentifyResponse, IdentifyWarning, Clock, ClockUpdate, Fault,
                    FaultCreate,
                    State, StateHelpCenter, StateUser, StateSession, StateAttempt,
                    StateMessage, StateFault)
INLINED: Final = (ErrorDetail, StartedSession, IdentifiedUser, IdentifiedSession, StateClock)


def field_names(shape: type[Struct]) -> frozenset[str]:
    """The JSON keys ``shape`` has."""
    return frozenset(shape.__struct_fields__)


def encode(value: Any) -> bytes:
    """A shape (or a list of shapes) as the JSON an answer carries."""
    return msgspec.json.encode(value)
