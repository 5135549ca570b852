# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Answers while they stream, in the database: progress, leases, stop requests, the sweep.

Progress lives in an UNLOGGED table beside ai_chat_message, one row per streaming answer: the
text so far (appended about once a second), the generating process (`owner`) and its lease.
Unlogged means no WAL: a growing answer costs the write-ahead log nothing until its final
state is written once into ai_chat_message. PostgreSQL empties such a table after a crash of
its own; the sweep then closes the answers that had a row there.
"""

import logging
import math
import time
from contextlib import contextmanager

import odoo
from odoo import SUPERUSER_ID, api, models
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tools import SQL, config

from ..exceptions import not_found, too_many
from ..lib import error_codes as codes
from ..lib import pg_listener, pricing, sse
from ..lib.answers import Answer, follow, follow_stored
from ..lib.hub import hub_for
from .ai_chat_usage import Charge

_logger = logging.getLogger(__name__)

CHANNEL = "ai_stream_chat"
ORPHAN_SECONDS = 60  # a streaming row with no progress row at all (lost in a database crash)
_NOW = "(now() AT TIME ZONE 'UTC')"  # the database clock, as Odoo stores datetimes
# A viewer's request ends this long before Odoo would kill it (threaded, prefork); the client
# then resumes. The gevent worker has no such limit.
TIME_LIMIT_MARGIN = 5
# Viewers of one answer at once in one process (tabs, devices): each one that follows an answer
# generated elsewhere reads the database every second.
MAX_VIEWERS = 8


class AiChatMessage(models.Model):
    _inherit = "ai.chat.message"

    def init(self):
        result = super().init()
        self.env.cr.execute(
            SQL(f"""
            CREATE UNLOGGED TABLE IF NOT EXISTS ai_chat_answer_progress (
                message_id integer PRIMARY KEY REFERENCES ai_chat_message(id) ON DELETE CASCADE,
                owner varchar NOT NULL,
                content text NOT NULL DEFAULT '',
                reasoning text NOT NULL DEFAULT '',
                lease_until timestamp NOT NULL DEFAULT {_NOW},
                stop_requested boolean NOT NULL DEFAULT false,
                tools jsonb,
                prompt_tokens integer NOT NULL DEFAULT 0
            )
        """)
        )
        # The tool steps of a running answer, for viewers in other processes (added later).
        self.env.cr.execute(
            SQL("ALTER TABLE ai_chat_answer_progress ADD COLUMN IF NOT EXISTS tools jsonb")
        )
        # The prompts' estimated tokens so far, to charge an answer whose process died (added
        # later).
        self.env.cr.execute(
            SQL(
                "ALTER TABLE ai_chat_answer_progress"
                " ADD COLUMN IF NOT EXISTS prompt_tokens integer NOT NULL DEFAULT 0"
            )
        )
        return result

    # -- the hub of this process -----------------------------------------------------------

    @api.model
    def _answer_hub(self):
        dbname = self.env.cr.dbname
        lease = self.env["ai.chat.conversation"]._get_chat_settings().answer_lease_seconds
        return hub_for(dbname, lambda: AnswerStore(dbname, max(lease, 3)))

    @api.model
    def _answer_viewer_ends_at(self):
        limit = config.get("limit_time_real") or 0
        if odoo.evented or limit <= 0:
            return None
        return time.monotonic() + max(limit - TIME_LIMIT_MARGIN, 1)

    def _answer_stream(self, job, chat_stream):
        """The SSE body for the user who asked: `start`, then the answer as it is generated.
        The generation starts when the body is first pulled (the rows are committed by then)
        and runs to its end whether or not anyone reads on."""
        self.ensure_one()
        hub = self._answer_hub()
        self._answer_open(hub.owner, math.ceil(job.prompt_tokens))
        answer, ends_at = Answer(job), self._answer_viewer_ends_at()

        def body():
            encoder = sse.EventEncoder()
            try:
                yield encoder.encode(
                    "start",
                    {
                        "conversation_id": job.conversation_id,
                        "message_id": job.message_id,
                        "user_message_id": job.user_message_id,
                        "model": job.llm_model,
                        "attachments": list(job.attachments),
                    },
                )
            finally:  # also when the client is already gone
                hub.start(answer, chat_stream)
            with hub.viewing(job.message_id):
                yield from follow(answer, encoder, ends_at=ends_at)

        return body()

    @api.model
    def _answer_for_viewer(self, message_id):
        """The user's own answer with this id (administrators included), or a 404 refusal."""
        try:
            message_id = int(message_id)
        except (TypeError, ValueError):
            message_id = 0
        answer = (
            self.search(
                [
                    ("id", "=", message_id),
                    ("user_id", "=", self.env.uid),
                    ("role", "=", "assistant"),
                ]
            )
            if message_id > 0
            else self.browse()
        )
        if not answer:
            raise not_found(self.env._("Answer not found."))
        return answer

    def _answer_follow(self, last_event_id=0):
        """The SSE body for a viewer who arrives late: `sync`, then live events."""
        self.ensure_one()
        encoder = sse.EventEncoder(last_id=last_event_id)
        hub, ends_at = self._answer_hub(), self._answer_viewer_ends_at()
        if not hub.may_view(self.id, MAX_VIEWERS):
            raise too_many(
                self.env._(
                    "This answer is already shown in %(count)s places. Close some of them.",
                    count=MAX_VIEWERS,
                )
            )
        local = hub.get(self.id)
        dbname, uid, message_id = self.env.cr.dbname, self.env.uid, self.id

        def read(content_from, reasoning_from):
            with Registry(dbname).cursor() as cr:
                message = api.Environment(cr, uid, {})["ai.chat.message"].browse(message_id)
                return message._answer_snapshot(content_from, reasoning_from)

        def body():
            with hub.viewing(message_id):
                if local is not None:
                    yield from follow(local, encoder, sync=True, ends_at=ends_at)
                    return
                changed = hub.watch(message_id)
                try:
                    yield from follow_stored(read, changed, encoder, ends_at=ends_at)
                finally:
                    hub.unwatch(message_id, changed)

        return body()

    def _answer_stop(self):
        """Stop this answer wherever it is generated; False when it had ended already."""
        self.ensure_one()
        return self._answer_hub().cancel(self.id) or self._answer_request_stop()

    @api.model
    def _answers_running(self, uid):
        """How many answers of this user are being generated now (a live lease)."""
        self.env.cr.execute(
            SQL(
                f"""
            SELECT count(*) FROM ai_chat_message m
              JOIN ai_chat_answer_progress p ON p.message_id = m.id
             WHERE m.user_id = %s AND m.state = 'streaming' AND p.lease_until > {_NOW}
        """,
                uid,
            )
        )
        return self.env.cr.fetchone()[0]

    def _answer_waiting(self):
        """Whether this answer is still being generated (streaming, with a live lease): only
        then may a change it proposed be decided."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                f"""
            SELECT 1 FROM ai_chat_message m
              JOIN ai_chat_answer_progress p ON p.message_id = m.id
             WHERE m.id = %s AND m.state = 'streaming' AND p.lease_until > {_NOW}
        """,
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _answer_open(self, owner, prompt_tokens=0):
        """Record that this new answer streams from `owner` (in the request's transaction)."""
        self.env.cr.execute(
            SQL(
                f"INSERT INTO ai_chat_answer_progress (message_id, owner, lease_until, "
                f"prompt_tokens) VALUES (%s, %s, {_NOW} + make_interval(secs => %s), %s)",
                self.id,
                owner,
                self._answer_hub().lease,
                prompt_tokens,
            )
        )

    # -- written by the hub, for all its answers at once -----------------------------------

    @api.model
    def _answers_save(self, owner, lease, progress, finals):
        """progress: [(message_id, new content, new reasoning, tool steps as JSON or None when
        unchanged, estimated prompt tokens so far)], appended and leases renewed;
        finals: [(uid, message_id, values, fallback)] written through the ORM (sanitized,
        constrained) unless a sweep closed the row first. Returns (ids asked to stop, ids
        this owner lost: deleted or swept)."""
        stops, lost = [], []
        if progress:
            rows = self.env.cr.execute_values(
                f"""
                UPDATE ai_chat_answer_progress p
                   SET content = p.content || v.content, reasoning = p.reasoning || v.reasoning,
                       tools = COALESCE(v.tools::jsonb, p.tools),
                       prompt_tokens = v.prompt_tokens::integer,
                       lease_until = {_NOW} + make_interval(secs => v.lease::float8)
                  FROM (VALUES %s) AS v(message_id, content, reasoning, tools, prompt_tokens,
                                        owner, lease)
                 WHERE p.message_id = v.message_id AND p.owner = v.owner
             RETURNING p.message_id, p.stop_requested
            """,
                [(*saved, owner, lease) for saved in progress],
                page_size=max(len(progress), 1),
                fetch=True,
            )
            kept = {mid for mid, _stop in rows}
            stops = [mid for mid, stop in rows if stop]
            lost = [mid for mid, *_saved in progress if mid not in kept]
            self._answers_notify("progress", kept)
        if finals:
            self._answers_finish(owner, finals)
        return stops, lost

    @api.model
    def _answers_finish(self, owner, finals):
        ids = [mid for _uid, mid, _values, _fallback in finals]
        self.env.cr.execute(
            SQL(
                "SELECT id FROM ai_chat_message"
                " WHERE id = ANY(%s) AND state = 'streaming' FOR UPDATE",
                ids,
            )
        )
        open_ids = {mid for (mid,) in self.env.cr.fetchall()}
        deleted = self._answers_deleted(set(ids) - open_ids)  # the swept ones: by the sweep
        charged = [
            Charge(uid, values["llm_model"], None, None, _usage_of(values))
            for uid, mid, values, _fallback in finals
            if mid in deleted
        ]
        for uid, mid, values, fallback in finals:
            if mid in open_ids:
                # sudo: ai.chat.message - users cannot write chat rows; this is their own
                # answer, admitted by the stream route
                message = self.with_user(uid).sudo().browse(mid)
                self._answer_write_end(message, values, fallback)
                charged.append(Charge.of(message, _usage_of(values)))
        self.env["ai.chat.usage"]._record(charged)
        self.env.cr.execute(
            SQL(
                "DELETE FROM ai_chat_answer_progress WHERE message_id = ANY(%s) AND owner = %s",
                ids,
                owner,
            )
        )
        self.env["ai.chat.proposal"]._expire_for(ids)
        self._answers_notify("end", ids)

    @api.model
    def _answers_deleted(self, ids):
        """Those of `ids` whose row is gone (their conversation was deleted meanwhile)."""
        if not ids:
            return set()
        self.env.cr.execute(SQL("SELECT id FROM ai_chat_message WHERE id = ANY(%s)", list(ids)))
        return set(ids) - {mid for (mid,) in self.env.cr.fetchall()}

    @api.model
    def _answer_write_end(self, message, values, fallback):
        for attempt in (values, fallback):  # a row no write can pass must still end
            try:
                with self.env.cr.savepoint():
                    message.write(attempt)
                return
            except Exception:
                # Neither passes: the row stays `streaming` and the sweep closes it.
                _logger.exception("Could not save the end of message %s", message.id)

    @api.model
    def _answers_sweep(self):
        """Close the answers whose process died (lease run out): `interrupted`, with the text
        saved so far. Any live process may run it; the row lock makes it safe with an owner."""
        self.env.cr.execute(
            SQL(f"""
            WITH expired AS (
                DELETE FROM ai_chat_answer_progress
                 WHERE lease_until < {_NOW}
             RETURNING message_id, content, reasoning, tools, prompt_tokens
            )
            UPDATE ai_chat_message m
               SET state = 'interrupted', content = e.content, reasoning = e.reasoning,
                   tool_steps = COALESCE(e.tools, m.tool_steps),
                   write_date = {_NOW}
              FROM expired e
             WHERE m.id = e.message_id AND m.state = 'streaming'
         RETURNING m.id, e.prompt_tokens, e.content || e.reasoning
        """)
        )
        swept = self.env.cr.fetchall()
        ids = [mid for mid, _prompt, _text in swept]
        self.env.cr.execute(
            SQL(f"""
            UPDATE ai_chat_message m SET state = 'interrupted', write_date = {_NOW}
             WHERE m.state = 'streaming'
               AND m.create_date < {_NOW} - interval '{ORPHAN_SECONDS} seconds'
               AND NOT EXISTS (SELECT 1 FROM ai_chat_answer_progress p WHERE p.message_id = m.id)
         RETURNING m.id
        """)
        )
        orphans = self.env.cr.fetchall()
        ids += [mid for (mid,) in orphans]
        self.env["ai.chat.usage"]._record(
            [
                Charge.of(self.browse(mid), pricing.estimated(prompt, pricing.token_weight(text)))
                for mid, prompt, text in swept
            ]
            + [Charge.of(self.browse(mid), pricing.estimated(0, 0)) for (mid,) in orphans]
        )
        self.env["ai.chat.proposal"]._expire_for(ids)
        self._answers_notify("end", ids)
        return ids

    @api.model
    def _answers_notify(self, kind, ids):
        # Delivered at commit, dropped on rollback: viewers are woken only for saved text.
        for payload in pg_listener.payloads(kind, sorted(ids)):
            self.env.cr.execute(SQL("SELECT pg_notify(%s, %s)", CHANNEL, payload))

    # -- read and asked by viewers -----------------------------------------------------------

    def _answer_snapshot(self, content_from=0, reasoning_from=0):
        """The answer as stored now, text from the given offsets on: a dict, for a viewer in
        another process than the one generating it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
            SELECT m.state, m.conversation_id,
                   substr(COALESCE(p.content, m.content, ''), %(c)s + 1),
                   substr(COALESCE(p.reasoning, m.reasoning, ''), %(r)s + 1),
                   m.content_html, m.error_message, m.error_code,
                   COALESCE(p.tools, m.tool_steps)
              FROM ai_chat_message m LEFT JOIN ai_chat_answer_progress p ON p.message_id = m.id
             WHERE m.id = %(id)s
        """,
                c=content_from,
                r=reasoning_from,
                id=self.id,
            )
        )
        row = self.env.cr.fetchone()
        if row is None:
            return None
        state, conversation_id, content, reasoning, html, error, code, tools = row
        return {
            "message_id": self.id,
            "conversation_id": conversation_id,
            "state": state,
            "content": content,
            "reasoning": reasoning,
            "html": html or "",
            "error_message": error or "",
            "error_code": code or codes.INTERNAL,
            "tools": tools or [],
        }

    def _answer_request_stop(self):
        """Ask the owner of this streaming answer to stop it; an owner that is gone (its lease
        ran out) cannot, so the answer is closed here. True when it was still streaming."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                f"""
            UPDATE ai_chat_answer_progress SET stop_requested = true
             WHERE message_id = %s RETURNING lease_until > {_NOW}, prompt_tokens
        """,
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        if row and row[0]:
            self._answers_notify("stop", [self.id])
            return True
        snapshot = self._answer_snapshot()
        if not snapshot or snapshot["state"] != "streaming":
            return False
        self.env.cr.execute(
            SQL("DELETE FROM ai_chat_answer_progress WHERE message_id = %s", self.id)
        )
        # sudo: ai.chat.message - the user's own answer, whose process is gone
        self.sudo().write(
            {
                "state": "stopped",
                "content": snapshot["content"],
                "reasoning": snapshot["reasoning"],
                "tool_steps": snapshot["tools"] or False,
            }
        )
        text = pricing.token_weight(snapshot["content"] + snapshot["reasoning"])
        self.env["ai.chat.usage"]._record(
            [Charge.of(self, pricing.estimated(row[1] if row else 0, text))]
        )
        self.env["ai.chat.proposal"]._expire_for([self.id])
        self._answers_notify("end", [self.id])
        return True


def _usage_of(values):
    """The pricing.Usage of an answer's final values (lib/answers.py)."""
    return pricing.Usage(
        pricing.tokens(values.get("prompt_tokens")),
        pricing.tokens(values.get("completion_tokens")),
        pricing.tokens(values.get("cached_tokens")),
        bool(values.get("tokens_estimated")),
    )


class AnswerStore:
    """The hub's database, for one database name: every call in its own short transaction,
    on one connection at a time."""

    def __init__(self, dbname, lease_seconds):
        self.dbname = dbname
        self.lease_seconds = lease_seconds

    @contextmanager
    def _messages(self):
        with Registry(self.dbname).cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})["ai.chat.message"]

    def save(self, owner, progress, finals):
        with self._messages() as Message:
            return Message._answers_save(owner, self.lease_seconds, progress, finals)

    def sweep(self):
        with self._messages() as Message:
            return Message._answers_sweep()

    def listen(self, on_notify, on_reconnect):
        params = connection_info_for(self.dbname)[1]
        listener = pg_listener.Listener(
            pg_listener.connect_to(params), CHANNEL, on_notify, on_reconnect
        )
        listener.start()
        return listener
