from . import ai_chat_conversation
from . import ai_chat_document
from . import ai_chat_message
from . import res_config_settings
from . import ai_chat_record_context
