"""Prices, the usage ledger, budgets (user, group, company; tokens and money) and the cap per
answer, through the real stream route and a fake upstream."""

from datetime import timedelta

from odoo import fields
from odoo.tests import BaseCase, new_test_user, tagged

from ..lib import pricing, tool_schemas
from .common import AiStreamChatCase
from .fake_llm import Reply
from .test_tools import calls


class TestPricing(BaseCase):
    def test_cost_counts_cached_prompt_tokens_at_their_price(self):
        price = pricing.Price(input=2.0, cached_input=0.5, output=8.0)
        usage = pricing.Usage(prompt_tokens=1000, completion_tokens=500, cached_tokens=200)
        self.assertAlmostEqual(pricing.cost(usage, price), (800 * 2 + 200 * 0.5 + 500 * 8) / 1e6)
        self.assertEqual(pricing.cost(usage, None), 0.0)  # a model without a price

    def test_estimates_and_months(self):
        self.assertEqual(pricing.estimated(2.25, 3), pricing.Usage(3, 3, 0, True))
        self.assertEqual(pricing.token_weight("abcdefgh"), 2)
        self.assertEqual(pricing.token_weight("東京都庁"), 4)  # a token a character, at least
        tokens = pricing.request_tokens(
            [{"role": "user", "content": "abcd"}, {"role": "assistant", "content": None}]
        )
        self.assertEqual(tokens, 1 + len('""') / 4)
        day = fields.Date.to_date("2026-12-07")
        self.assertEqual(str(pricing.month_start(day)), "2026-12-01")
        self.assertEqual(str(pricing.renews_on(day)), "2027-01-01")
        self.assertEqual(str(pricing.renews_on(fields.Date.to_date("2026-02-28"))), "2026-03-01")


@tagged("post_install", "-at_install")
class TestBudgets(AiStreamChatCase):
    def setUp(self):
        super().setUp()
        self.Usage = self.env["ai.chat.usage"]
        self.Message = self.env["ai.chat.message"]

    def spend(self, user, tokens=0, cost=0.0, days_ago=0):
        """A ledger row, as an ended answer writes it."""
        return self.Usage.create(
            {
                "user_id": user.id,
                "company_id": user.company_id.id,
                "date": fields.Date.today() - timedelta(days=days_ago),
                "llm_model": "fake-model",
                "total_tokens": tokens,
                "cost": cost,
            }
        )

    def refused(self, login="chat_a"):
        """Asks as `login` and expects a refusal before anything: its text."""
        messages, requests = self.Message.search_count([]), len(self.fake.requests)
        response = self.open_stream(login=login, message="One more?")
        self.assertEqual(response.status_code, 429, response.text)
        self.assertEqual(self.Message.search_count([]), messages)
        self.assertEqual(len(self.fake.requests), requests)  # the AI service was not asked
        return response.text

    def answered(self, login="chat_a", reply=None):
        self.fake.script(reply or Reply(chunks=["Fine."], usage=(30, 10)))
        events, _ = self.chat("Hello", login=login)
        return self.of(events, "done")[-1]

    def test_an_answer_costs_its_tokens_at_the_price_of_its_model(self):
        self.env["ai.chat.price"].create(
            {
                "llm_model": "fake-model",
                "input_price": 2.0,
                "cached_input_price": 0.5,
                "output_price": 8.0,
            }
        )
        done = self.answered(reply=Reply(chunks=["Fine."], usage=(1000, 500, 200)))
        answer = self.Message.browse(done["message_id"])
        self.assertEqual(
            (answer.prompt_tokens, answer.completion_tokens, answer.cached_tokens), (1000, 500, 200)
        )
        row = self.Usage.search([("message_id", "=", answer.id)])
        self.assertEqual((row.total_tokens, row.estimated, row.user_id), (1500, False, self.user_a))
        self.assertAlmostEqual(row.cost, (800 * 2 + 200 * 0.5 + 500 * 8) / 1e6)
        self.assertAlmostEqual(answer.cost, row.cost)  # shown with the answer
        # A new price costs the next answers, not those already spent.
        self.env["ai.chat.price"].search([("llm_model", "=", "fake-model")]).output_price = 16.0
        done = self.answered(reply=Reply(chunks=["Fine."], usage=(0, 500)))
        later = self.Usage.search([("message_id", "=", done["message_id"])])
        self.assertAlmostEqual(later.cost, 500 * 16 / 1e6)
        self.assertAlmostEqual(row.cost, (800 * 2 + 200 * 0.5 + 500 * 8) / 1e6)

    def test_without_usage_from_the_service_tokens_are_estimated_and_marked(self):
        done = self.answered(reply=Reply(chunks=["a" * 40, "b" * 40]))
        answer = self.Message.browse(done["message_id"])
        row = self.Usage.search([("message_id", "=", answer.id)])
        self.assertTrue(answer.tokens_estimated and row.estimated)
        self.assertEqual(row.completion_tokens, 20)
        self.assertGreater(row.prompt_tokens, len("You are a test.") // 4)

    def test_the_default_budget_refuses_before_anything_and_says_when_it_renews(self):
        self.set_param("user_monthly_tokens", "100")
        self.spend(self.user_a, tokens=100)
        text = self.refused()
        renews = pricing.renews_on(fields.Date.today())
        self.assertIn("Your monthly AI budget is spent", text)
        self.assertIn(str(renews.year), text)
        self.answered(login="chat_b")  # another user's budget is their own

    def test_a_budget_renews_at_the_start_of_the_month(self):
        self.set_param("user_monthly_tokens", "100")
        days_into_month = fields.Date.today().day
        self.spend(self.user_a, tokens=10**6, days_ago=days_into_month)  # last month
        self.assertEqual(self.answered()["state"], "done")

    def test_the_answer_that_crosses_the_budget_ends_and_the_next_question_is_refused(self):
        self.set_param("user_monthly_tokens", "100")
        self.spend(self.user_a, tokens=90)
        done = self.answered(reply=Reply(chunks=["A long ", "answer."], usage=(40, 30)))
        self.assertEqual(done["state"], "done")  # not cut
        self.refused()

    def test_budgets_of_a_user_and_of_groups_replace_the_default(self):
        self.set_param("user_monthly_tokens", "100")
        self.spend(self.user_a, tokens=150)
        group = self.env["res.groups"].create({"name": "Heavy AI users"})
        budget = self.env["ai.chat.budget"].create({"group_id": group.id, "monthly_tokens": 500})
        self.refused()  # not in the group yet
        self.user_a.groups_id |= group
        self.assertEqual(self.answered()["state"], "done")
        self.env["ai.chat.budget"].create({"group_id": self.env.ref("base.group_user").id})
        self.answered()  # a group without a limit is the most generous
        self.env["ai.chat.budget"].create({"user_id": self.user_a.id, "monthly_tokens": 120})
        self.refused()  # the user's own budget wins
        self.assertTrue(budget.exists())

    def test_the_company_budget_counts_every_user_of_the_company(self):
        self.env.company.ai_chat_monthly_tokens = 100
        self.spend(self.user_b, tokens=100)
        self.assertIn("company's monthly AI budget is spent", self.refused())

    def test_a_money_budget_counts_cost(self):
        self.env["ai.chat.price"].create({"llm_model": "fake-model", "output_price": 1.0})
        self.set_param("user_monthly_amount", "0.01")
        self.spend(self.user_a, tokens=1, cost=0.02)
        self.refused()

    def test_a_model_without_a_price_is_refused_within_a_money_budget(self):
        self.set_param("user_monthly_amount", "10")
        response = self.open_stream(message="Free?")
        self.assertEqual(response.status_code, 403)
        self.assertIn("has no price", response.text)
        other = self.env["res.company"].create({"name": "Elsewhere"})
        self.env["ai.chat.price"].create(
            {"llm_model": "fake-model", "output_price": 1.0, "company_id": other.id}
        )
        self.assertEqual(self.answered()["state"], "done")  # another company's price applies

    def test_deleting_conversations_gives_no_budget_back(self):
        self.set_param("user_monthly_tokens", "60")
        done = self.answered(reply=Reply(chunks=["Fine."], usage=(40, 30)))
        self.Message.browse(done["message_id"]).conversation_id.unlink()
        self.refused()
        self.assertEqual(self.Usage.search([("user_id", "=", self.user_a.id)]).total_tokens, 70)

    def test_an_answer_is_stopped_at_the_cost_cap_with_its_text_so_far(self):
        self.env["ai.chat.price"].create(
            {"llm_model": "fake-model", "input_price": 0.0, "output_price": 1_000_000.0}
        )  # one unit of money a token
        self.set_param("max_answer_cost", "25")
        done = self.answered(reply=Reply(chunks=["word " * 4] * 40))  # 800 chars, ~200 tokens
        self.assertEqual(done["state"], "error")
        answer = self.Message.browse(done["message_id"])
        self.assertEqual(answer.error_code, "cost_cap")
        self.assertIn("cost cap", answer.error_message)
        self.assertTrue(answer.content.startswith("word word"))
        self.assertLess(len(answer.content), 25 * 4 + 20 * 2)
        row = self.Usage.search([("message_id", "=", answer.id)])
        self.assertLessEqual(row.cost, 25 + 5)

    def test_the_cost_cap_stops_an_answer_before_a_request_it_cannot_pay_for(self):
        self.env["ai.chat.price"].create(
            {"llm_model": "fake-model", "input_price": 1_000_000.0, "output_price": 0.0}
        )  # one unit of money a prompt token
        count = ("count_records", {"model": "res.partner"})
        self.fake.script(Reply(chunks=[], tool_calls=calls(count)), Reply(chunks=["Never."]))
        first = pricing.request_tokens([{"content": "You are a test."}], tool_schemas.TOOLS)
        self.set_param("max_answer_cost", str(int(first * 1.5)))  # one request, not two
        events, _ = self.chat("Count them")
        self.assertEqual(len(self.fake.requests), 1)  # the second was never sent
        done = self.of(events, "done")[-1]
        self.assertEqual(self.Message.browse(done["message_id"]).error_code, "cost_cap")

    def test_a_second_answer_at_once_waits_unless_the_budget_pays_for_both(self):
        self.set_param("user_monthly_tokens", "10000")
        self.fake.script(Reply(chunks=["Slow"], hang=True))
        first = self.open_stream(message="First")
        self.assertEqual(first.status_code, 200)
        self.wait_for(lambda: self.fake.requests, message="the first question at the service")
        self.assertIn("still running", self.refused())
        self.fake.release()
        list(self.events(first))

    def test_the_report_views_load_and_group(self):
        user = new_test_user(self.env, login="chat_report", groups="base.group_user")
        self.spend(self.user_a, tokens=10, cost=0.5)
        self.spend(user, tokens=20, cost=1.0)
        views = self.Usage.get_views(
            [(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")]
        )
        self.assertEqual(set(views["views"]), {"pivot", "graph", "list", "search"})
        for groupby in ("user_id", "llm_model", "date:day", "conversation_id"):
            groups = self.Usage.read_group([], ["total_tokens", "cost"], [groupby])
            self.assertEqual(sum(g["total_tokens"] for g in groups), 30, groupby)
        mine = self.Usage.with_user(user).search([])
        self.assertEqual(mine.user_id, user)  # a user reads their own usage only

    def test_the_meter_shows_the_month_against_the_budget(self):
        self.set_param("user_monthly_tokens", "200")
        self.spend(self.user_a, tokens=50, days_ago=0)
        meter = self.env["ai.chat.conversation"].with_user(self.user_a).chat_usage()
        self.assertEqual((meter["tokens"], meter["limit_tokens"]), (50, 200))
        self.assertEqual(meter["share"], 0.25)
        self.spend(self.user_a, cost=0.0004)
        meter = self.env["ai.chat.conversation"].with_user(self.user_a).chat_usage()
        self.assertTrue(meter["cost"].startswith("< "), meter["cost"])
        self.assertTrue(meter["renews_on"])
