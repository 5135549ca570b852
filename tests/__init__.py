# Imported so Odoo's own runner (odoo-bin --test-tags /ai_stream_chat) finds them too.
from . import test_chat_api
from . import test_cron
from . import test_documents
from . import test_extract
from . import test_js
from . import test_lib
from . import test_render
from . import test_render_limits
from . import test_record_context
from . import test_settings
from . import test_stream
from . import test_stream_access
from . import test_stream_errors
from . import test_tour
