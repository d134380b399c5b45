"""Every error the verifier can answer with, defined once.

The contract (``CONTRACT.md`` section 2) fixes each error's code, HTTP status and the exact
message an integrator sees in the real product's console. Handlers raise these; one exception
handler in ``app.py`` renders ``{"error": {"code", "message", "reason"}}``. The ``reason`` is
ours: why it failed, never a secret and never a whole token.

    VerifierError
    ├── JwtRequired           400  jwt_required
    ├── InvalidJwt            401  invalid_jwt
    ├── DomainMismatch        403  domain_mismatch
    ├── SubjectMismatch       409  subject_mismatch
    ├── UserDisabled          403  user_disabled (the Users API disabled the user)
    ├── UnknownWidget         404  unknown_widget
    ├── Unauthorized          401  unauthorized
    ├── NotFound              404  not_found
    │   └── NoSuchRoute       404  not_found (no route has this method and path)
    ├── SecretExists          409  secret_exists
    ├── NoSecret              404  no_secret
    ├── InvalidRequest        400  invalid_request (405 method, 408 slow body, 413 too large,
    │                                 415 content type, 422 field)
    ├── Conflict              409  conflict
    ├── InjectedFault         any  injected_fault
    ├── Unavailable           503  unavailable
    └── InternalError         500  internal_error (a bug of ours; logged, never a traceback)
"""

from __future__ import annotations

from typing import Any, ClassVar


class VerifierError(Exception):
    """An answer the contract defines: code, status, exact public message and our reason."""

    code: ClassVar[str]
    status: ClassVar[int]
    message: ClassVar[str]

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = status if status is not None else self.status
        self.injected = False  # set when an emulator fault, not a real check, raised it

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "reason": self.reason}}


class JwtRequired(VerifierError):
    code, status, message = "jwt_required", 400, "Ferndesk: identify requires a jwt"


class InvalidJwt(VerifierError):
    code, status, message = "invalid_jwt", 401, "Ferndesk: identify failed - invalid jwt"


class DomainMismatch(VerifierError):
    code, status = "domain_mismatch", 403
    message = (
        "Ferndesk: identify failed - must be called from same domain or 1-level subdomain"
    )


class SubjectMismatch(VerifierError):
    code, status = "subject_mismatch", 409
    message = (
        "Ferndesk: identify failed - JWT subject does not match the existing help-center user"
    )


class UserDisabled(VerifierError):
    """The user is ``disabled`` (Users API, contract section 7). The vendor's text for this case
    is not published: the message is the emulator's, in the style of the others."""

    code, status, message = "user_disabled", 403, "Ferndesk: identify failed - user is disabled"


class UnknownWidget(VerifierError):
    code, status, message = "unknown_widget", 404, "Ferndesk: unknown widget"


class Unauthorized(VerifierError):
    code, status = "unauthorized", 401
    message = "admin API requires a valid bearer token"


class NotFound(VerifierError):
    code, status, message = "not_found", 404, "no such help center or user"


class NoSuchRoute(NotFound):
    """No route has this path: the help center or user ``NotFound`` names is not the question.
    Its code stays ``not_found`` (the contract's code for a 404 of the admin API)."""

    message = "no such route"


class SecretExists(VerifierError):
    code, status = "secret_exists", 409
    message = (
        "a JWT secret already exists for this help center; "
        "delete it before generating a new one"
    )


class NoSecret(VerifierError):
    code, status, message = "no_secret", 404, "this help center has no JWT secret"


class InvalidRequest(VerifierError):
    """Malformed input; ``status`` is 400, 413 (too large), 415 (content type) or 422 (field)."""

    code, status, message = "invalid_request", 400, "invalid request"


class Conflict(VerifierError):
    code, status, message = "conflict", 409, "the chosen id or widget_id is taken"


class InjectedFault(VerifierError):
    """A fault injected with only a status: the message names the fault, not a product error."""

    code, status, message = "injected_fault", 500, "emulator fault injected"

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason, status=status)
        self.message = f"emulator fault injected (status {self.http_status})"  # type: ignore[misc]


class Unavailable(VerifierError):
    code, status = "unavailable", 503
    message = "the database cannot be reached; retry later (nothing was half-written)"


class InternalError(VerifierError):
    code, status, message = "internal_error", 500, "internal error in the verifier"


CONTRACT_ERRORS: dict[str, type[VerifierError]] = {
    cls.code: cls
    for cls in (
        JwtRequired,
        InvalidJwt,
        DomainMismatch,
        SubjectMismatch,
        UserDisabled,
        UnknownWidget,
        Unauthorized,
        NotFound,
        SecretExists,
        NoSecret,
        InvalidRequest,
        Conflict,
        InjectedFault,
        Unavailable,
    )
}
"""Codes an integrator may name (e.g. in an injected fault), mapped to their error class."""
