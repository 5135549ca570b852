from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInterruptedCron(TransactionCase):
    def test_stale_streaming_rows_are_marked_interrupted(self):
        conversation = self.env["ai.chat.conversation"].create({"name": "c"})
        Message = self.env["ai.chat.message"]
        stale, fresh = Message.create(
            [
                {
                    "conversation_id": conversation.id,
                    "role": "assistant",
                    "state": "streaming",
                    "content": "half",
                },
                {"conversation_id": conversation.id, "role": "assistant", "state": "streaming"},
            ]
        )
        self.env["ir.config_parameter"].sudo().set_param("ai_stream_chat.max_stream_seconds", "300")
        self.env.cr.execute(
            "UPDATE ai_chat_message"
            " SET create_date = now() at time zone 'UTC' - interval '400 seconds' WHERE id = %s",
            (stale.id,),
        )
        self.env.invalidate_all()
        self.env.ref("ai_stream_chat.ai_chat_message_cron_mark_interrupted").method_direct_trigger()
        self.assertEqual(stale.state, "interrupted")
        self.assertEqual(stale.content, "half")
        self.assertEqual(fresh.state, "streaming")
