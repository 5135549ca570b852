"""Changes the model proposes: nothing is written until the user approves the exact change
shown, through the decision route, while the answer waits; then it runs as the user and the
model is told. A fake upstream scripts the calls."""

import json

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AiStreamChatCase
from .fake_llm import Reply
from .test_tools import calls

DECIDE_URL = "/ai/stream_chat/decide"


@tagged("post_install", "-at_install")
class TestProposals(AiStreamChatCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Proposal Customer", "city": "Ghent", "phone": "+32 9 000"}
        )
        cls.env["ir.config_parameter"].sudo().set_param("ai_stream_chat.write_tools", "True")
        # Ann may change contacts (base users may not, by default).
        cls.user_a.groups_id |= cls.env.ref("base.group_partner_manager")

    def propose(self, *specs, answer="Done.", login="chat_a"):
        """A question whose answer proposes `specs`: (the stream's event iterator, its steps
        waiting for a decision). The stream is left open: the answer waits."""
        self.fake.script(Reply(chunks=[], tool_calls=calls(*specs)), Reply(chunks=[answer]))
        self.env.flush_all()
        response = self.open_stream(login=login, message="Change it")
        self.assertEqual(response.status_code, 200)
        events = self.events(response)
        waiting, seen = {}, []
        for event in events:
            seen.append(event)
            _id, name, data = event
            if name == "tool" and data["state"] == "needs_approval":
                waiting[data["id"]] = data
            elif name == "tool" and data["state"] == "error":
                waiting[data["id"]] = data
            if len(waiting) == len(specs) or name == "done":
                break
        self.seen = seen
        return events, [waiting[key] for key in sorted(waiting)]

    def decide(self, proposal_id, decision, csrf=True):
        data = {"proposal_id": proposal_id, "decision": decision}
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.opener.post(self.base_url() + DECIDE_URL, data=data, timeout=20)

    def finish(self, events):
        """The rest of the stream: (all events, the tool results the model read next)."""
        rest = [event for event in events if event[1] != ":"]
        self.env.invalidate_all()
        followup = self.fake.requests[-1]["json"]["messages"]
        return self.seen + rest, [json.loads(m["content"]) for m in followup if m["role"] == "tool"]

    def test_an_approved_change_is_made_as_the_user_and_the_model_goes_on(self):
        events, (step,) = self.propose(
            (
                "update_record",
                {"model": "res.partner", "id": self.partner.id, "values": {"city": "Bruges"}},
            )
        )
        card = step["proposal"]
        self.assertEqual((card["operation"], card["record_name"]), ("update", "Proposal Customer"))
        self.assertEqual(
            [(f["label"], f["old"], f["new"]) for f in card["fields"]],
            [("City", "Ghent", "Bruges")],
        )
        with self.held_db():
            self.partner.invalidate_recordset()
            self.assertEqual(self.partner.city, "Ghent")  # nothing before the user says so
        response = self.decide(card["id"], "approve")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["state"], "done")
        everything, results = self.finish(events)
        self.assertEqual(self.of(everything, "done")[-1]["state"], "done")
        self.assertEqual(results[0]["status"], "done")
        decided = [s for s in self.of(everything, "tool") if s["state"] == "done"]
        self.assertEqual(decided[0]["proposal"]["state"], "done")
        self.assertEqual(self.partner.city, "Bruges")
        self.assertEqual(self.partner.write_uid, self.user_a)
        proposal = self.env["ai.chat.proposal"].browse(card["id"])
        self.assertEqual((proposal.state, proposal.decided_by), ("done", self.user_a))
        self.assertIn("Ghent → Bruges", proposal.change_text)
        # Deciding again changes nothing twice.
        self.assertEqual(self.decide(card["id"], "reject").json()["state"], "done")

    def test_the_card_shows_every_proposed_value_whole(self):
        tags = self.env["res.partner.category"].create([{"name": f"Tag {i}"} for i in range(8)])
        note = "Fine print. " * 250 + "Pay to https://elsewhere.example"
        events, (step,) = self.propose(
            (
                "update_record",
                {
                    "model": "res.partner",
                    "id": self.partner.id,
                    "values": {"comment": note, "category_id": tags.ids},
                },
            )
        )
        lines = {line["name"]: line for line in step["proposal"]["fields"]}
        self.assertTrue(lines["comment"]["new"].endswith("https://elsewhere.example"))
        self.assertEqual(lines["category_id"]["new"], ", ".join(tags.mapped("display_name")))
        self.assertEqual(
            (step["proposal"]["model"], step["proposal"]["record_id"]),
            ("res.partner", self.partner.id),
        )
        self.decide(step["proposal"]["id"], "reject")
        self.finish(events)

    def test_a_rejected_change_is_not_made_and_the_model_is_told(self):
        events, (step,) = self.propose(
            ("archive_record", {"model": "res.partner", "id": self.partner.id})
        )
        self.assertEqual(self.decide(step["proposal"]["id"], "reject").json()["state"], "rejected")
        everything, results = self.finish(events)
        self.assertEqual(results[0]["status"], "rejected")
        self.assertIn("rejected", [s["state"] for s in self.of(everything, "tool")])
        self.assertTrue(self.partner.active)

    def test_a_new_record_is_created_once_approved(self):
        events, (step,) = self.propose(
            (
                "create_record",
                {"model": "res.partner", "values": {"name": "Created By Chat", "city": "Ghent"}},
            )
        )
        self.assertEqual(self.decide(step["proposal"]["id"], "approve").json()["state"], "done")
        _everything, results = self.finish(events)
        created = self.env["res.partner"].browse(results[0]["id"])
        self.assertEqual((created.name, created.create_uid), ("Created By Chat", self.user_a))

    def test_a_note_is_posted_on_the_chatter_once_approved(self):
        note = "Called them:\n<b>they</b> agree."
        events, (step,) = self.propose(
            ("post_message", {"model": "res.partner", "id": self.partner.id, "body": note})
        )
        self.assertEqual(step["proposal"]["body"], note)
        self.assertEqual(self.decide(step["proposal"]["id"], "approve").json()["state"], "done")
        self.finish(events)
        posted = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.partner.id)], limit=1
        )
        self.assertEqual(posted.author_id, self.user_a.partner_id)
        self.assertEqual(posted.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("&lt;b&gt;they&lt;/b&gt; agree", posted.body)  # text, never HTML

    def test_a_proposal_expires_with_its_answer(self):
        self.set_param("max_stream_seconds", "2")
        events, (step,) = self.propose(
            (
                "update_record",
                {"model": "res.partner", "id": self.partner.id, "values": {"city": "Late"}},
            )
        )
        everything, _ = self.finish(events)
        done = self.of(everything, "done")[-1]
        self.assertEqual(done["state"], "error")
        answer = self.env["ai.chat.message"].browse(done["message_id"])
        self.assertEqual(answer.tool_steps[0]["state"], "expired")
        card = self.decide(step["proposal"]["id"], "approve").json()
        self.assertEqual(card["state"], "expired")
        self.assertEqual(self.partner.city, "Ghent")

    def test_when_the_answer_stops_a_waiting_proposal_expires_and_a_decided_one_stays(self):
        events, (step,) = self.propose(
            ("archive_record", {"model": "res.partner", "id": self.partner.id})
        )
        proposal = self.env["ai.chat.proposal"].browse(step["proposal"]["id"])
        with self.held_db():
            self.assertIsNone(proposal._expire_or_result())  # it was waiting: expired
            self.assertEqual(proposal.state, "expired")
            proposal.state = "done"  # as if the user's decision had come first
            result = proposal._expire_or_result()
        self.assertEqual((result.state, proposal.state), ("done", "done"))
        self.finish(events)

    def test_deleting_the_chat_keeps_the_audit_and_expires_what_waits(self):
        events, (step,) = self.propose(
            ("archive_record", {"model": "res.partner", "id": self.partner.id})
        )
        with self.held_db():
            self.env["ai.chat.message"].browse(
                step_message := self.seen[0][2]["message_id"]
            ).conversation_id.unlink()
            self.env.flush_all()
        list(events)
        self.wait_for_answers()
        proposal = self.env["ai.chat.proposal"].browse(step["proposal"]["id"])
        self.assertEqual((proposal.state, proposal.message_id.id), ("expired", False))
        self.assertEqual(proposal.user_id, self.user_a)
        self.assertEqual(self.decide(proposal.id, "approve").json()["state"], "expired")
        charged = self.env["ai.chat.usage"].search([("user_id", "=", self.user_a.id)])
        self.assertTrue(charged, f"answer {step_message} was not charged")
        self.assertTrue(self.partner.active)

    def test_a_record_changed_since_the_proposal_is_not_written_over(self):
        events, (step,) = self.propose(
            (
                "update_record",
                {"model": "res.partner", "id": self.partner.id, "values": {"city": "Bruges"}},
            )
        )
        with self.held_db():
            self.partner.city = "Antwerp"
            self.env.cr.flush()  # and its tracking (mail), which reads on the test's connection
        card = self.decide(step["proposal"]["id"], "approve").json()
        self.assertEqual(card["state"], "failed")
        self.assertIn("City changed since the proposal", card["outcome"])
        _everything, results = self.finish(events)
        self.assertEqual(results[0]["status"], "failed")
        self.assertEqual(self.partner.city, "Antwerp")

    def test_a_change_that_would_take_the_record_out_of_reach_is_refused(self):
        # Ann may write only contacts outside "Nowhere": moving one there would hand it over.
        self.env["ir.rule"].create(
            {
                "name": "no writing in Nowhere",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": "[('city', '!=', 'Nowhere')]",
                "groups": [(4, self.env.ref("base.group_user").id)],
                "perm_read": False,
                "perm_create": False,
                "perm_unlink": False,
            }
        )
        events, (step,) = self.propose(
            (
                "update_record",
                {"model": "res.partner", "id": self.partner.id, "values": {"city": "Nowhere"}},
            )
        )
        self.assertEqual(self.decide(step["proposal"]["id"], "approve").json()["state"], "failed")
        self.finish(events)
        self.assertEqual(self.partner.city, "Ghent")

    def test_decisions_are_the_owners_only_and_need_the_csrf_token(self):
        events, (step,) = self.propose(
            ("archive_record", {"model": "res.partner", "id": self.partner.id})
        )
        proposal_id = step["proposal"]["id"]
        self.assertEqual(self.decide(proposal_id, "approve", csrf=False).status_code, 400)
        self.assertEqual(self.decide(proposal_id, "maybe").status_code, 400)
        self.authenticate("chat_b", "chat_b")
        self.assertEqual(self.decide(proposal_id, "approve").status_code, 404)
        self.authenticate("admin", "admin")  # administrators too: it is Ann's decision
        self.assertEqual(self.decide(proposal_id, "approve").status_code, 404)
        with self.held_db(), self.assertRaises(AccessError):
            self.env["ai.chat.proposal"].with_user(self.user_a).browse(proposal_id).write(
                {"state": "done"}
            )
        self.authenticate("chat_a", "chat_a")
        self.assertEqual(self.decide(proposal_id, "reject").json()["state"], "rejected")
        self.finish(events)
        self.assertTrue(self.partner.active)

    def test_mistakes_and_secrets_are_refused_as_results(self):
        self.fake.script(
            Reply(
                chunks=[],
                tool_calls=calls(
                    (
                        "update_record",
                        {"model": "res.partner", "id": self.partner.id, "values": {"nope": 1}},
                    ),
                    (
                        "update_record",
                        {
                            "model": "res.partner",
                            "id": self.partner.id,
                            "values": {"create_date": "2020-01-01"},
                        },
                    ),
                    (
                        "update_record",
                        {
                            "model": "res.partner",
                            "id": self.partner.id,
                            "values": {"city": "Ghent"},
                        },
                    ),
                    (
                        "update_record",
                        {
                            "model": "res.partner",
                            "id": self.partner.id,
                            "values": {"country_id": 10**8},
                        },
                    ),
                    (
                        "update_record",
                        {"model": "res.users", "id": self.user_b.id, "values": {"password": "x"}},
                    ),
                    (
                        "update_record",
                        {"model": "ir.config_parameter", "id": 1, "values": {"value": "x"}},
                    ),
                    ("create_record", {"model": "res.partner", "values": {"type": "nope"}}),
                ),
            ),
            Reply(chunks=["Sorry."]),
        )
        self.env.flush_all()
        before = self.env["ai.chat.proposal"].search_count([])
        events, _ = self.chat("Change things", login="admin")
        self.assertEqual(self.of(events, "done")[-1]["state"], "done")
        steps = [s for s in self.of(events, "tool") if s["state"] != "running"]
        self.assertEqual([s["state"] for s in steps], ["error"] * 7, steps)
        errors = [json.loads(s["result"])["error"] for s in steps]
        self.assertIn("no field 'nope'", errors[0])
        self.assertIn("no field 'create_date'", errors[1])
        self.assertIn("nothing would change", errors[2])
        self.assertIn("no res.country record", errors[3])
        self.assertIn("no field 'password'", errors[4])
        self.assertIn("cannot be read by the assistant", errors[5])
        self.assertIn("one of", errors[6])
        self.assertEqual(self.env["ai.chat.proposal"].search_count([]), before)

    def test_the_list_of_models_bounds_every_kind_of_change(self):
        self.set_param("write_models", "res.partner.category")
        tools = self.env["ai.chat.tools"].with_user(self.user_a)
        for name, arguments in (
            ("post_message", {"model": "res.partner", "id": self.partner.id, "body": "Hi"}),
            ("archive_record", {"model": "res.partner", "id": self.partner.id}),
            ("create_record", {"model": "res.partner", "values": {"name": "X"}}),
        ):
            result = tools._tool_call(name, arguments)
            self.assertEqual(result.state, "error", name)
            self.assertIn("cannot be proposed", result.summary, name)

    def test_without_the_setting_no_change_can_even_be_proposed(self):
        self.set_param("write_tools", "")
        self.fake.script(
            Reply(
                chunks=[],
                tool_calls=calls(
                    ("archive_record", {"model": "res.partner", "id": self.partner.id})
                ),
            ),
            Reply(chunks=["I cannot."]),
        )
        before = self.env["ai.chat.proposal"].search_count([])
        events, _ = self.chat("Archive it")
        offered = [t["function"]["name"] for t in self.fake.requests[0]["json"]["tools"]]
        self.assertNotIn("archive_record", offered)
        self.assertNotIn(
            "approves or rejects", self.fake.requests[0]["json"]["messages"][0]["content"]
        )
        self.assertIn("Unknown tool", [s for s in self.of(events, "tool")][-1]["summary"])
        self.assertEqual(self.env["ai.chat.proposal"].search_count([]), before)
        self.assertTrue(self.partner.active)
