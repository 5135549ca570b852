"""What the AI may never be given, whoever asks (administrators included): models that hold
secrets or the server's configuration, and fields whose names say they hold a secret. Ask AI
(a record attached to a question) and the tools (records the model looks up) both obey it; an
administrator adds models in Settings (denied_models)."""

import re

DENIED_MODELS = frozenset(
    "ir.config_parameter res.users.apikeys res.users.apikeys.description ir.mail_server "
    "fetchmail.server payment.provider payment.token iap.account auth.oauth.provider "
    "auth_totp.device auth.totp.device res.users.identitycheck res.users.deletion "
    "res.users.log change.password.wizard change.password.user sms.account ir.cron "
    "ir.actions.server base.automation res.config.settings certificate.certificate "
    "certificate.key".split()
)
# The tools reach no technical model at all (ir.*, the bus, this chat's own records).
TOOL_DENIED_PREFIXES = ("ir.", "base.", "bus.", "ai.chat.", "web_editor.", "auth_")
SECRET_FIELD_RE = re.compile(
    r"(^|_)pass(wd)?($|_)|password|secret|token|api_?key|private_key|credential|totp",
    re.IGNORECASE,
)


def model_denied(name, extra=()):
    """Never given to the AI: the built-in list, or the administrator's (extra)."""
    return name in DENIED_MODELS or name in extra


def tool_model_denied(name, extra=()):
    return model_denied(name, extra) or name.startswith(TOOL_DENIED_PREFIXES)


def field_denied(name, kind=None):
    """A secret by its name; binary fields are files, not something to read as text."""
    return kind == "binary" or bool(SECRET_FIELD_RE.search(name))
