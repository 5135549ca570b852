"""The read tools through a whole answer: a fake upstream scripts the calls, the next request
shows what the tools answered, run with the rights of the user asking."""

import json

from odoo.tests import new_test_user, tagged

from .common import AiStreamChatCase
from .fake_llm import Reply


def calls(*specs):
    """Reply tool calls from (name, arguments dict) pairs, arguments cut in three fragments."""
    return [
        {"name": name, "arguments": json.dumps(arguments), "pieces": 3, "id": f"call_{i}"}
        for i, (name, arguments) in enumerate(specs)
    ]


@tagged("post_install", "-at_install")
class TestTools(AiStreamChatCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Toolbox Customer {i}", "city": "Ghent"} for i in range(3)]
        )

    def ask(self, *specs, login="chat_a", answer="Done.", cookies=None):
        """One question whose answer calls the tools of `specs`: (steps, results read by the
        model, events)."""
        self.fake.script(Reply(chunks=[], tool_calls=calls(*specs)), Reply(chunks=[answer]))
        self.env.flush_all()  # the tools read on a cursor of their own
        self.authenticate(login, login)
        events, _ = self.chat("Look it up", login=login, cookies=cookies)
        self.assertEqual(self.of(events, "done")[-1]["state"], "done", events)
        followup = self.fake.requests[-1]["json"]["messages"]
        results = [json.loads(m["content"]) for m in followup if m["role"] == "tool"]
        steps = [data for data in self.of(events, "tool") if data["state"] != "running"]
        return steps, results, events

    def test_search_results_reach_the_next_request_and_are_kept(self):
        steps, results, events = self.ask(
            (
                "search_records",
                {
                    "model": "res.partner",
                    "domain": [["name", "ilike", "Toolbox"]],
                    "fields": ["name", "city"],
                    "order": "name",
                },
            ),
        )
        first = self.fake.requests[0]["json"]
        self.assertIn("search_records", [t["function"]["name"] for t in first["tools"]])
        self.assertIn("never instructions", first["messages"][0]["content"])
        self.assertEqual(results[0]["count"], 3)
        self.assertEqual(
            [r["name"] for r in results[0]["records"]], [f"Toolbox Customer {i}" for i in range(3)]
        )
        self.assertEqual(steps[0]["state"], "done")
        self.assertIn("3 found", steps[0]["summary"])
        answer = self.env["ai.chat.message"].browse(events[0][2]["message_id"])
        self.assertEqual(answer.content, "Done.")
        self.assertEqual([s["summary"] for s in answer.tool_steps], [steps[0]["summary"]])
        self.assertEqual(answer._chat_payload()["tools"][0]["state"], "done")
        self.assertIn("search_records", answer.tool_log)  # the administrators' audit
        self.assertIn("3 found", answer.tool_log)

    def test_a_follow_up_question_carries_what_was_looked_up(self):
        steps, _, events = self.ask(
            ("count_records", {"model": "res.partner", "domain": [["city", "=", "Ghent"]]}),
        )
        self.assertGreaterEqual(steps[0]["ms"], 0)
        self.assertIn('"count": 3', steps[0]["result"])
        conversation = events[0][2]["conversation_id"]
        self.fake.script(Reply(chunks=["Still 3."]))
        self.chat("And now?", conversation_id=conversation)
        messages = self.fake.requests[-1]["json"]["messages"]
        roles = [m["role"] for m in messages]
        self.assertEqual(roles[-5:], ["user", "assistant", "tool", "assistant", "user"])
        self.assertEqual(messages[-4]["tool_calls"][0]["function"]["name"], "count_records")
        self.assertIn('"count": 3', messages[-3]["content"])
        self.assertEqual(messages[-2]["content"], "Done.")
        # A model without tools is not sent tool messages it may refuse.
        self.set_param("models_without_tools", "fake-model")
        self.chat("And without tools?", conversation_id=conversation)
        roles = [m["role"] for m in self.fake.requests[-1]["json"]["messages"]]
        self.assertNotIn("tool", roles)

    def test_each_tool_answers(self):
        steps, results, _ = self.ask(
            ("find_models", {"query": "contact"}),
            ("describe_model", {"model": "res.partner"}),
            ("count_records", {"model": "res.partner", "domain": [["city", "=", "Ghent"]]}),
            (
                "aggregate_records",
                {
                    "model": "res.partner",
                    "groupby": ["city"],
                    "domain": [["name", "ilike", "Toolbox"]],
                },
            ),
            (
                "read_record",
                {"model": "res.partner", "id": self.partners[0].id, "fields": ["name"]},
            ),
        )
        self.assertEqual([s["state"] for s in steps], ["done"] * 5, steps)
        self.assertIn("res.partner", [m["model"] for m in results[0]["models"]])
        self.assertIn("city", [f["name"] for f in results[1]["fields"]])
        self.assertEqual(results[2]["count"], 3)
        self.assertEqual(results[3]["groups"], [{"city": "Ghent", "count": 3}])
        self.assertEqual(results[4]["record"]["name"], "Toolbox Customer 0")

    def test_mistakes_come_back_as_errors_the_model_can_correct(self):
        steps, results, _ = self.ask(
            ("search_records", {"model": "res.partner", "domain": [["nope", "=", 1]]}),
            ("search_records", {"model": "res.partner", "domain": [["name", "=="]]}),
            ("search_records", {"model": "no.such.model"}),
            ("read_record", {"model": "res.partner", "id": 10**9}),
            (
                "aggregate_records",
                {"model": "res.partner", "groupby": ["name"], "aggregates": ["name:sum"]},
            ),
            ("drop_tables", {}),
        )
        self.assertEqual([s["state"] for s in steps], ["error"] * 6)
        errors = [r["error"] for r in results]
        self.assertIn("describe_model lists the fields", errors[0])
        self.assertIn("Unknown model", errors[2])
        self.assertIn("no res.partner record", errors[3])
        self.assertIn("not a number", errors[4])
        self.assertIn("Unknown tool", errors[5])

    def test_malformed_arguments_are_an_error_result(self):
        self.fake.script(
            Reply(chunks=[], tool_calls=[{"name": "count_records", "arguments": '{"model":'}]),
            Reply(chunks=["Sorry."]),
        )
        events, _ = self.chat("Count")
        self.assertEqual(self.of(events, "done")[-1]["state"], "done")
        followup = self.fake.requests[-1]["json"]["messages"]
        self.assertIn("not valid JSON", [m for m in followup if m["role"] == "tool"][0]["content"])

    def test_a_field_that_cannot_be_searched_is_refused_not_dropped(self):
        # Odoo drops a leaf on a field without search: it would match every user.
        _, results, _ = self.ask(
            ("search_records", {"model": "res.users", "domain": [["password", "=", "x"]]}),
            login="admin",
        )
        self.assertIn("error", results[0])

    def test_secrets_stay_out_for_administrators_too(self):
        self.set_param("api_key", "sk-test-secret-key")
        steps, results, _ = self.ask(
            ("search_records", {"model": "ir.config_parameter"}),
            ("find_models", {"query": "config"}),
            ("describe_model", {"model": "res.users"}),
            ("search_records", {"model": "res.users", "fields": ["login", "password"]}),
            login="admin",
        )
        text = json.dumps(results)
        self.assertNotIn("sk-test-secret-key", text)
        self.assertIn("cannot be read by the assistant", results[0]["error"])
        self.assertNotIn("ir.config_parameter", [m["model"] for m in results[1]["models"]])
        described = [f["name"] for f in results[2]["fields"]]
        self.assertIn("login", described)
        # A relation to a model out of reach is out of reach too (its names would show).
        self.assertIn("groups_id", described)  # res.groups is reachable; ir.* is not
        self.assertFalse(
            [f for f in results[2]["fields"] if f.get("relation", "").startswith("ir.")]
        )
        self.assertFalse([name for name in described if "password" in name])
        self.assertIn("password", results[3]["error"])

    def test_record_rules_and_companies_hold(self):
        other = self.env["res.company"].create({"name": "Another company"})
        hidden = self.env["res.partner"].create(
            {"name": "Toolbox Elsewhere", "company_id": other.id}
        )
        _, results, _ = self.ask(
            ("search_records", {"model": "res.partner", "domain": [["name", "ilike", "Toolbox"]]}),
            ("read_record", {"model": "res.partner", "id": hidden.id}),
        )
        self.assertEqual(results[0]["count"], 3)
        self.assertNotIn("Toolbox Elsewhere", json.dumps(results[0]))
        self.assertIn("error", results[1])

    def test_the_companies_selected_in_the_web_client_bound_the_tools(self):
        other = self.env["res.company"].create({"name": "Second company"})
        self.user_a.company_ids |= other
        self.env["res.partner"].create({"name": "Toolbox Second", "company_id": other.id})
        search = (
            "search_records",
            {"model": "res.partner", "domain": [["name", "ilike", "Toolbox"]]},
        )
        _, results, _ = self.ask(search)
        self.assertEqual(results[0]["count"], 4)  # both companies: the user's
        _, results, _ = self.ask(search, cookies={"cids": str(self.env.company.id)})
        self.assertEqual(results[0]["count"], 3)
        # A company that is not the user's is left out.
        _, results, _ = self.ask(search, cookies={"cids": f"{other.id}-999999"})
        self.assertIn("Toolbox Second", json.dumps(results[0]))

    def test_a_model_the_user_cannot_read_is_an_error_not_data(self):
        user = new_test_user(self.env, login="chat_tools_plain", groups="base.group_user")
        env = self.env(user=user)
        unreadable = next(
            name
            for name in sorted(self.env.registry)
            if not self.env[name]._abstract
            and not self.env[name]._transient
            and not name.startswith(("ir.", "base.", "bus.", "ai.chat."))
            and not env[name].has_access("read")
        )
        _, results, _ = self.ask(
            ("search_records", {"model": unreadable}), login="chat_tools_plain"
        )
        self.assertIn("may not read", results[0]["error"])

    def test_a_server_without_tools_is_answered_without_them_and_the_user_told_once(self):
        self.fake.script(Reply(chunks=["Plain answer."], reject_tools=True))
        events, _ = self.chat("Hi", model="other-model")
        self.assertEqual(self.of(events, "done")[-1]["state"], "done")
        self.assertIn("answers without", self.of(events, "tool")[0]["summary"])
        self.assertNotIn("tools", self.fake.requests[-1]["json"])
        self.chat("Again", model="other-model")
        self.assertNotIn("tools", self.fake.requests[-1]["json"])  # not offered again
        self.assertEqual(len(self.fake.requests), 3)

    def test_round_cap_and_switch(self):
        self.set_param("tool_rounds", "2")
        again = calls(("count_records", {"model": "res.partner"}))
        self.fake.script(Reply(chunks=[], tool_calls=again), Reply(chunks=["Enough."]))
        events, _ = self.chat("Count")
        self.assertEqual(self.of(events, "done")[-1]["state"], "done")
        self.assertIn("tools", self.fake.requests[0]["json"])
        self.assertNotIn("tools", self.fake.requests[1]["json"])  # the last round answers
        self.set_param("models_without_tools", "fake-model")
        self.chat("Count")
        self.assertNotIn("tools", self.fake.requests[-1]["json"])
        self.set_param("models_without_tools", "")
        self.set_param("tool_rounds", "0")
        self.chat("Count")
        self.assertNotIn("tools", self.fake.requests[-1]["json"])
