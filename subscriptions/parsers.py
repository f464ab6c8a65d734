"""The store's body of `POST /v2/customers/{id}/subscriptions`, read into a
`SubscriptionRequest` (`subscriptions.commands`): every problem reported at once."""

from __future__ import annotations

from typing import Any

from config import codes
from config.codes import Code
from config.errors import DomainError, DomainErrors
from subscriptions.commands import SubscriptionChange, SubscriptionRequest
from subscriptions.models import Channel, Priority, Scope, SubScope, SubscriptionStatus

# Names a store may send for a channel (compared upper-cased, without "_"): the seed's
# request says MOBILE where its responses say SMS; both mean the SMS channel.
CHANNEL_ALIASES: dict[str, str] = {
    "EMAIL": Channel.EMAIL,
    "SMS": Channel.SMS,
    "MOBILE": Channel.SMS,
    "ANDROID": Channel.ANDROID,
    "IOS": Channel.IOS,
    "WECHAT": Channel.WECHAT,
    "LINE": Channel.LINE,
    "MOBILEPUSH": Channel.MOBILE_PUSH,
}
ACCOUNT_ID_MAX_LENGTH = 64
# SubscriptionLog.campaign_id / communication_id are bigint columns.
MESSAGE_ID_MAX = 2**63 - 1


def _error(code: int, detail: str) -> DomainError:
    return DomainError(code, f"{codes.get(code).message} ({detail})")


def _choice(raw: Any, allowed: dict[str, str]) -> str | None:
    if not isinstance(raw, str):
        return None
    return allowed.get(raw.strip().upper().replace("_", "").replace("-", ""))


def _message_id(raw: Any, code: int, name: str) -> int:
    """campaignId / communicationId: an integer from -1 to `MESSAGE_ID_MAX` (a JSON number
    or a numeric string); anything else, a larger number included, answers `code`."""
    if raw is None or raw == "":
        return -1
    if isinstance(raw, bool):
        raise _error(code, f"{name}={raw!r}")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            raise _error(code, f"{name}={raw!r}") from None
    if not isinstance(raw, int) or not -1 <= raw <= MESSAGE_ID_MAX:
        raise _error(code, f"{name}={raw!r}")
    return raw


def _scope(raw: Any) -> tuple[str, str]:
    """`scope` is an object {scope, subScope}; a list of more than one answers 1105."""
    if raw is None:
        return Scope.USER, SubScope.NONE
    if isinstance(raw, list):
        if len(raw) > 1:
            raise DomainError(Code.SUBSCRIPTION_SCOPES_MULTIPLE)
        if not raw:
            return Scope.USER, SubScope.NONE
        raw = raw[0]
    if not isinstance(raw, dict):
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope={raw!r}")
    scope_value = raw.get("scope", Scope.USER)
    if isinstance(scope_value, list):
        if len(scope_value) > 1:
            raise DomainError(Code.SUBSCRIPTION_SCOPES_MULTIPLE)
        scope_value = scope_value[0] if scope_value else Scope.USER
    scope = _choice(scope_value, {value: value for value in Scope.values})
    sub_scope = _choice(
        raw.get("subScope", SubScope.NONE) or SubScope.NONE,
        {value: value for value in SubScope.values},
    )
    if scope is None:
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope.scope={scope_value!r}")
    if sub_scope is None:
        raise _error(Code.SUBSCRIPTION_SCOPE_INVALID, f"scope.subScope={raw.get('subScope')!r}")
    return scope, sub_scope


def _change(raw: Any, index: int) -> tuple[SubscriptionChange | None, list[DomainError]]:
    where = f"subscriptions[{index}]"
    if not isinstance(raw, dict):
        return None, [_error(Code.SUBSCRIPTION_UPDATE_FAILED, f"{where} is not an object")]
    errors: list[DomainError] = []
    channel = _choice(raw.get("channel"), CHANNEL_ALIASES)
    if channel is None:
        errors.append(
            _error(Code.SUBSCRIPTION_CHANNEL_INVALID, f"{where}.channel={raw.get('channel')!r}")
        )
    priority = _choice(raw.get("priority"), {value: value for value in Priority.values})
    if priority is None:
        errors.append(
            _error(Code.SUBSCRIPTION_PRIORITY_INVALID, f"{where}.priority={raw.get('priority')!r}")
        )
    status = _choice(raw.get("type"), {value: value for value in SubscriptionStatus.values})
    if status is None:
        errors.append(_error(Code.SUBSCRIPTION_STATUS_INVALID, f"{where}.type={raw.get('type')!r}"))
    account = raw.get("accountId")
    if account is None:
        account = ""
    if isinstance(account, bool) or not isinstance(account, (str, int)):
        errors.append(
            _error(
                Code.SUBSCRIPTION_UPDATE_FAILED, f"{where}.accountId={account!r} is not a string"
            )
        )
        account = ""
    account = str(account).strip()
    if len(account) > ACCOUNT_ID_MAX_LENGTH:
        errors.append(
            _error(
                Code.SUBSCRIPTION_UPDATE_FAILED,
                f"{where}.accountId is longer than {ACCOUNT_ID_MAX_LENGTH}",
            )
        )
    if errors or channel is None or priority is None or status is None:
        return None, errors  # each None appended its error
    return SubscriptionChange(channel, priority, status, account), []


def subscription_request_parse(*, payload: Any) -> SubscriptionRequest:
    """Validate the store's body; every problem is reported at once and nothing is written.

    Request-level problems answer their own code (1103, 1105, 1107, 1108). Problems with
    entries of `subscriptions` answer each entry's code (1101, 1102, 1106) followed by 1110
    ("Unable to update subscription details."): the whole update is refused. 1110 alone
    when `subscriptions` is missing or empty, or names one channel, priority and account
    twice with different types.
    """
    if not isinstance(payload, dict):
        raise _error(Code.SUBSCRIPTION_UPDATE_FAILED, "the body must be a JSON object")
    errors: list[DomainError] = []
    scope: str
    sub_scope: str
    scope, sub_scope = Scope.USER, SubScope.NONE
    try:
        scope, sub_scope = _scope(payload.get("scope"))
    except DomainError as error:
        errors.append(error)
    campaign_id = communication_id = -1
    try:
        campaign_id = _message_id(
            payload.get("campaignId"), Code.SUBSCRIPTION_CAMPAIGN_ID_INVALID, "campaignId"
        )
    except DomainError as error:
        errors.append(error)
    try:
        communication_id = _message_id(
            payload.get("communicationId"), Code.SUBSCRIPTION_OUTBOX_ID_INVALID, "communicationId"
        )
    except DomainError as error:
        errors.append(error)
    reason = payload.get("reason")
    if isinstance(reason, (dict, list)):  # no text: its repr would be logged as the reason
        errors.append(DomainError(Code.BAD_REQUEST, "reason must be a string"))
        reason = None
    reason = "" if reason is None else str(reason).strip()

    raw_changes = payload.get("subscriptions")
    item_errors: list[DomainError] = []
    changes: dict[tuple[str, str, str], SubscriptionChange] = {}
    if not isinstance(raw_changes, list) or not raw_changes:
        item_errors.append(_error(Code.SUBSCRIPTION_UPDATE_FAILED, "no subscriptions given"))
    else:
        for index, raw in enumerate(raw_changes):
            change, change_errors = _change(raw, index)
            item_errors += change_errors
            if change is None:
                continue
            earlier = changes.get(change.key)
            if earlier is not None and earlier.status != change.status:
                item_errors.append(
                    _error(
                        Code.SUBSCRIPTION_UPDATE_FAILED,
                        f"{change.channel}/{change.priority} given twice, both ways",
                    )
                )
            changes.setdefault(change.key, change)
    if item_errors:
        if item_errors[-1].code != 1110:
            item_errors.append(DomainError(Code.SUBSCRIPTION_UPDATE_FAILED))
        errors += item_errors
    if errors:
        raise DomainErrors(errors)
    return SubscriptionRequest(
        changes=list(changes.values()),
        reason=reason,
        campaign_id=campaign_id,
        communication_id=communication_id,
        scope=scope,
        sub_scope=sub_scope,
    )
