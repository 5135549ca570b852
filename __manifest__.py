# Copyright 2026 ai_stream_chat authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "AI Stream Chat",
    "summary": "Chat with any OpenAI-compatible LLM inside Odoo, streamed token by token",
    "version": "18.0.1.0.0",
    "category": "Productivity",
    "website": "https://github.com/ai-stream-chat/ai_stream_chat",
    "author": "ai_stream_chat authors",
    "license": "LGPL-3",
    "depends": ["base", "base_setup", "web"],
    "external_dependencies": {
        # openai and markdown are ours; the others ship with Odoo and read attached documents.
        "python": ["openai", "markdown", "PyPDF2", "openpyxl", "xlrd", "chardet", "lxml"],
    },
    "data": [
        "security/ir.model.access.csv",
        "security/ai_chat_security.xml",
        "data/ir_cron.xml",
        "views/ai_chat_conversation_views.xml",
        "views/ai_chat_usage_views.xml",
        "views/ai_chat_budget_views.xml",
        "views/res_config_settings_views.xml",
        "views/ai_stream_chat_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "ai_stream_chat/static/src/**/*",
        ],
        "web.assets_unit_tests": [
            "ai_stream_chat/static/tests/**/*",
            ("remove", "ai_stream_chat/static/tests/tours/**/*"),
        ],
        "web.assets_tests": [
            "ai_stream_chat/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
