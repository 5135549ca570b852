from . import ai_chat_conversation
from . import ai_chat_attachment
from . import ai_chat_attachment_text
from . import ai_chat_message
from . import ai_chat_message_progress
from . import ai_chat_record_context
from . import ai_chat_tools
from . import res_config_settings
