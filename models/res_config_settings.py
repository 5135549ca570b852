# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..lib import error_codes as codes
from ..lib import settings as chat_settings
from ..lib.upstream import UpstreamConfig, UpstreamError, list_models

DEFAULTS = chat_settings.ChatSettings()
PREFIX = chat_settings.PREFIX


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ai_stream_chat_api_url = fields.Char(
        string="API base URL",
        config_parameter=PREFIX + "api_url",
        default=DEFAULTS.api_url,
        help="Any OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1 or "
        "http://localhost:11434/v1 for Ollama.",
    )
    ai_stream_chat_api_key = fields.Char(
        string="API key",
        config_parameter=PREFIX + "api_key",
        groups="base.group_system",
    )
    ai_stream_chat_model = fields.Char(
        string="Default model",
        config_parameter=PREFIX + "model",
        default=DEFAULTS.model,
    )
    ai_stream_chat_models = fields.Char(
        string="Models users may pick",
        config_parameter=PREFIX + "models",
        help="Comma separated. The default model is always allowed.",
    )
    ai_stream_chat_system_prompt = fields.Char(  # config parameters cannot be Text
        string="System prompt",
        config_parameter=PREFIX + "system_prompt",
        default=DEFAULTS.system_prompt,
    )
    ai_stream_chat_temperature = fields.Char(
        string="Temperature",
        config_parameter=PREFIX + "temperature",
        help="0 to 2. Empty: the model's default (some models accept no other).",
    )
    ai_stream_chat_max_tokens = fields.Integer(
        string="Max answer tokens",
        config_parameter=PREFIX + "max_tokens",
        help="0: no limit sent.",
    )
    ai_stream_chat_timeout = fields.Integer(
        string="Request timeout (s)",
        config_parameter=PREFIX + "timeout",
        default=DEFAULTS.timeout,
        help="How long to wait for the AI service to send the next piece of the answer.",
    )
    ai_stream_chat_max_message_chars = fields.Integer(
        string="Max message length",
        config_parameter=PREFIX + "max_message_chars",
        default=DEFAULTS.max_message_chars,
    )
    ai_stream_chat_max_streams = fields.Integer(
        string="Streams per user",
        config_parameter=PREFIX + "max_streams",
        default=DEFAULTS.max_streams,
    )
    ai_stream_chat_history_chars = fields.Integer(
        string="History budget (characters)",
        config_parameter=PREFIX + "history_chars",
        default=DEFAULTS.history_chars,
        help="Older messages are left out of the prompt beyond this size.",
    )
    ai_stream_chat_max_stream_seconds = fields.Integer(
        string="Max answer duration (s)",
        config_parameter=PREFIX + "max_stream_seconds",
        default=DEFAULTS.max_stream_seconds,
    )

    ai_stream_chat_max_running_answers = fields.Integer(
        string="Answers at once per server process",
        config_parameter=PREFIX + "max_running_answers",
        default=DEFAULTS.max_running_answers,
        help="Past it a new question is refused for a few seconds (503), before anything is "
        "stored.",
    )

    ai_stream_chat_max_file_mb = fields.Integer(
        string="Max file size (MB)",
        config_parameter=PREFIX + "max_file_mb",
        default=DEFAULTS.max_file_mb,
    )
    ai_stream_chat_max_attachments = fields.Integer(
        string="Files per message",
        config_parameter=PREFIX + "max_attachments",
        default=DEFAULTS.max_attachments,
    )
    ai_stream_chat_document_chars = fields.Integer(
        string="Document budget (characters)",
        config_parameter=PREFIX + "document_chars",
        default=DEFAULTS.document_chars,
        help="Text of all the documents sent with one question, together. Beyond it each "
        "document is truncated and the user and the model are told. About 4 characters "
        "make a token: keep it well within the model's context.",
    )
    ai_stream_chat_denied_models = fields.Char(
        string="Models never given to the AI",
        config_parameter=PREFIX + "denied_models",
        help="Technical names, comma separated, whose records Ask AI refuses (administrators "
        "included), besides those always refused: system parameters, API keys, mail and "
        "payment servers and the like.",
    )

    ai_stream_chat_tool_rounds = fields.Integer(
        string="Tool rounds per answer",
        config_parameter=PREFIX + "tool_rounds",
        default=DEFAULTS.tool_rounds,
        help="How many times in one answer the assistant may look things up in Odoo (with the "
        "user's own rights) before it must answer. 0: no tools.",
    )
    ai_stream_chat_tool_models = fields.Char(
        string="Models the tools may read",
        config_parameter=PREFIX + "tool_models",
        help="Technical names, comma separated. Empty: every model the user may read, but "
        "those never given to the AI.",
    )
    ai_stream_chat_models_without_tools = fields.Char(
        string="AI models without tools",
        config_parameter=PREFIX + "models_without_tools",
        help="AI model names, comma separated, never offered the tools (servers or small "
        "models that cannot use them).",
    )

    ai_stream_chat_write_tools = fields.Boolean(
        string="Changes proposed by the assistant",
        config_parameter=PREFIX + "write_tools",
        help="The assistant may propose to create, update or archive records and to post on "
        "their chatter. Nothing changes until the user approves the exact change shown, which "
        "then runs with the user's own rights.",
    )
    ai_stream_chat_write_models = fields.Char(
        string="Models changes may be proposed to",
        config_parameter=PREFIX + "write_models",
        help="Technical names, comma separated. Empty: every model the tools may read.",
    )

    ai_stream_chat_user_monthly_tokens = fields.Integer(
        string="Tokens per user and month",
        config_parameter=PREFIX + "user_monthly_tokens",
        help="Each user's monthly budget, unless they or one of their groups has one of its own "
        "(AI Chat → Budgets). 0: no limit.",
    )
    ai_stream_chat_user_monthly_amount = fields.Float(
        string="Amount per user and month",
        config_parameter=PREFIX + "user_monthly_amount",
        help="The same in the company's currency, counted with the prices of the AI models. "
        "0: no limit.",
    )
    ai_stream_chat_max_answer_cost = fields.Float(
        string="Cost cap per answer",
        config_parameter=PREFIX + "max_answer_cost",
        help="An answer is stopped before it costs more (in the company's currency). With it, "
        "a user with a money budget may have several answers running at once. 0: no cap.",
    )
    ai_chat_monthly_tokens = fields.Integer(
        related="company_id.ai_chat_monthly_tokens", readonly=False
    )
    ai_chat_monthly_amount = fields.Monetary(
        related="company_id.ai_chat_monthly_amount",
        readonly=False,
        currency_field="ai_chat_currency_id",
    )
    ai_chat_currency_id = fields.Many2one(related="company_id.currency_id")

    ai_stream_chat_extra_params = fields.Char(  # config parameters cannot be Text
        string="Extra request parameters",
        config_parameter=PREFIX + "extra_params",
        help='A JSON object added to every request to the AI service, e.g. {"top_p": 0.9} or '
        'a server\'s own options such as {"provider": {"order": ["Together"]}}.',
    )

    def set_values(self):
        try:
            chat_settings.parse_temperature(self.ai_stream_chat_temperature)
        except ValueError:
            raise UserError(self.env._("The temperature must be a number from 0 to 2.")) from None
        try:
            chat_settings.parse_extra_params(self.ai_stream_chat_extra_params)
        except ValueError as exc:
            raise UserError(
                self.env._("Extra request parameters: %(problem)s.", problem=exc)
            ) from None
        return super().set_values()

    def action_ai_stream_chat_test_connection(self):
        """Lists the models the configured server offers, or says what is wrong."""
        self.ensure_one()
        # The form's values, saved or not, so an admin can try before saving.
        model = (self.ai_stream_chat_model or "").strip()
        config = UpstreamConfig(
            base_url=(self.ai_stream_chat_api_url or "").strip(),
            api_key=(self.ai_stream_chat_api_key or "").strip(),
            llm_model=model,
            timeout=min(self.ai_stream_chat_timeout or DEFAULTS.timeout, 15),
        )
        try:
            names = list_models(config)
        except UpstreamError as exc:
            messages = self.env["ai.chat.conversation"]._stream_error_messages()
            raise UserError(messages.get(exc.code) or messages[codes.INTERNAL]) from None
        if model not in names:
            notice = self.env._(
                "Connected, but the default model %(model)s is not offered.", model=model
            )
            kind = "warning"
        else:
            notice = self.env._("Connected.")
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": notice,
                "message": self.env._("Models: %(names)s", names=", ".join(names) or "-"),
                "type": kind,
                "sticky": False,
            },
        }
