# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os

from odoo import api, fields, models

from ..exceptions import ChatRefusal, not_found, too_large, too_many
from ..lib import documents
from ..lib.extract import ExtractionError
from ..lib.extract_sandbox import RETRY_AFTER_SECONDS, ExtractionBusy, extract_text

CONVERSATION = "ai.chat.conversation"
# Marks the text snapshot of a record in ir.attachment.description: "<mark><model>,<id>".
RECORD_MARK = "ai_stream_chat.record:"
NAME_MAX_CHARS = 200
PENDING_HOURS = 24  # uploads never sent are removed after this
PENDING_PER_MESSAGE = 5  # uploads one user may have waiting, in messages' worth of files
MAX_DISCARD = 1000  # ids one discard call looks at (a user has far fewer files waiting)


class AiChatAttachment(models.AbstractModel):
    """Files and record snapshots attached to chat messages.

    They are ir.attachment rows on the conversation (res_model/res_id), so the conversation's
    record rules protect them. Until a question sends it, an upload has no res_id (0), and
    ir.attachment lets only its creator see it: a file in the composer can go with whichever
    conversation the user sends it in.
    """

    _name = "ai.chat.attachment"
    _description = "AI Chat Attachments"

    # -- upload --------------------------------------------------------------------------

    @api.model
    def _upload(self, filename, data):
        """Store an uploaded file if its text can be read; returns its chip."""
        self.env[CONVERSATION]._check_chat_user()
        settings = self.env[CONVERSATION]._get_chat_settings()
        name = self._clean_name(filename)
        if len(data) > settings.max_file_bytes:
            raise too_large(self._too_large_message(settings))
        self._check_pending_quota(settings, lock=False)  # a refused upload costs no reading
        try:
            extraction = extract_text(data, name, max_chars=settings.document_chars)
        except ExtractionBusy:
            raise too_many(
                self._extraction_message("busy"), retry_after=RETRY_AFTER_SECONDS
            ) from None
        except ExtractionError as exc:
            raise ChatRefusal(self._extraction_message(exc.code)) from None
        self._check_pending_quota(settings)  # again under the lock, which lasts to the commit
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": data,
                "res_model": CONVERSATION,
                "res_id": 0,
            }
        )
        self._store_text(
            attachment, extraction.text, extraction.total_chars, extraction.kind, settings
        )
        return self._chip(
            attachment,
            {
                "chars": len(extraction.text),
                "total_chars": extraction.total_chars,
                "kind": extraction.kind,
            },
        )

    @api.model
    def _attach_record(self, res_model, res_id, with_messages=False, with_attachments=False):
        """A text snapshot of a record the user may read (and its files on request): chips."""
        settings = self.env[CONVERSATION]._get_chat_settings()
        self._check_pending_quota(settings)
        title, text = self.env["ai.chat.record.context"]._record_text(
            res_model,
            res_id,
            with_messages=bool(with_messages),
            max_chars=settings.document_chars,
        )
        res_id = int(res_id)  # valid once the record was read
        snapshot = self.env["ir.attachment"].create(
            {
                "name": self._clean_name(f"{title}.md", keep_slashes=True),
                "raw": text.encode(),
                "mimetype": "text/markdown",
                "description": f"{RECORD_MARK}{res_model},{res_id}",
                "res_model": CONVERSATION,
                "res_id": 0,
            }
        )
        self._store_text(snapshot, text, len(text), "markdown", settings)
        chips = [self._chip(snapshot, {"chars": len(text), "total_chars": len(text)})]
        if with_attachments:
            chips += self._copy_record_files(res_model, res_id, settings)
        return chips

    @api.model
    def _check_pending_quota(self, settings, lock=True):
        """Uploads never sent stay a day: bound how many one user can pile up meanwhile."""
        limit = PENDING_PER_MESSAGE * max(settings.max_attachments, 1)
        if lock:
            # One upload of this user at a time past this point (until the transaction ends),
            # so parallel uploads cannot all take the last free slot.
            self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (7842, self.env.uid))
        pending = self.env["ir.attachment"].search_count(self._unsent_domain(self.env.uid))
        if pending >= limit:
            raise too_many(
                self.env._(
                    "%(count)s files are waiting to be sent. Send or remove some first.",
                    count=pending,
                )
            )

    @api.model
    def _copy_record_files(self, res_model, res_id, settings):
        """The record's files the user may read, as chips; unreadable ones say why."""
        files = self.env["ir.attachment"].search(
            [("res_model", "=", res_model), ("res_id", "=", res_id), ("type", "=", "binary")],
            limit=max(settings.max_attachments - 1, 0),
            order="id desc",
        )
        chips = []
        for file in files:
            if file.file_size > settings.max_file_bytes:
                chips.append(self._refused_chip(file, self._too_large_message(settings)))
                continue
            try:
                extraction = extract_text(file.raw, file.name, max_chars=settings.document_chars)
            except ExtractionError as exc:
                chips.append(self._refused_chip(file, self._extraction_message(exc.code)))
                continue
            copy = file.copy(
                {
                    "res_model": CONVERSATION,
                    "res_id": 0,
                    "description": False,
                    "name": self._clean_name(file.name),
                }
            )
            self._store_text(
                copy, extraction.text, extraction.total_chars, extraction.kind, settings
            )
            chips.append(
                self._chip(
                    copy,
                    {
                        "chars": len(extraction.text),
                        "total_chars": extraction.total_chars,
                        "kind": extraction.kind,
                    },
                )
            )
        return chips

    # -- streaming -----------------------------------------------------------------------

    @api.model
    def _resolve(self, attachment_ids, conversation, settings):
        """ir.attachment rows for the comma separated ids a question names, in that order.

        Only this user's uploads not sent yet, or already in this conversation, qualify: any
        other id is refused, never dropped.
        """
        Attachment = self.env["ir.attachment"]
        parts = [part for part in (attachment_ids or "").split(",") if part.strip()]
        if not parts:
            return Attachment
        if len(parts) > settings.max_attachments:  # before parsing: it bounds the work
            raise ChatRefusal(
                self.env._(
                    "A message carries at most %(limit)s files.", limit=settings.max_attachments
                )
            )
        try:
            ids = list(dict.fromkeys(int(part) for part in parts))
        except ValueError:
            raise ChatRefusal(
                self.env._("attachment_ids must be numbers separated by commas.")
            ) from None
        found = Attachment.search(
            [
                ("id", "in", ids),
                ("res_model", "=", CONVERSATION),
                ("create_uid", "=", self.env.uid),
                ("res_id", "in", [0, False, conversation.id or 0]),
            ]
        )
        if len(found) != len(ids) or len(self._checked(found)) != len(ids):
            raise not_found(self.env._("Attachment not found."))
        return Attachment.browse(ids)

    @api.model
    def _checked(self, attachments):
        """The attachments that went through upload or Ask AI (size, type and text checked) and
        are unchanged since: not one created or rewritten over RPC."""
        texts = self.env["ai.chat.attachment.text"].search(
            [("attachment_id", "in", attachments.ids)]
        )
        return texts.filtered(lambda t: t.checksum == t.attachment_id.checksum).attachment_id

    @api.model
    def _discard(self, attachment_ids):
        """Delete this user's unsent uploads among attachment_ids; others are left alone."""
        ids = [i for i in (attachment_ids or [])[:MAX_DISCARD] if isinstance(i, int)]
        unsent = self.env["ir.attachment"].search(
            [("id", "in", ids)] + self._unsent_domain(self.env.uid)
        )
        count = len(unsent)
        unsent.unlink()
        return count

    @api.model
    def _unsent_domain(self, uid=None):
        """Files uploaded but not sent with a question yet (res_id 0), of `uid` if given."""
        domain = [("res_model", "=", CONVERSATION), ("res_id", "in", [0, False])]
        return domain + ([("create_uid", "=", uid)] if uid else [])

    @api.model
    def _link(self, attachments, conversation):
        attachments.filtered(lambda a: not a.res_id).write({"res_id": conversation.id})

    @api.model
    def _prompt_documents(self, turns, holders, settings, order=()):
        """turns: messages sent upstream, oldest first, the new question last; holders: the ids
        of those that have files; order: the ids of the question's files in the order the user
        attached them, when they were just sent.

        Returns ({index in turns: preamble}, info of the question's documents by attachment id).
        The question's files are served first from the budget, then older ones newest first;
        a file sent again (a retry) is in the prompt once, with its newest question.
        """
        carriers, seen = [], set()
        for index in reversed(range(len(turns))):
            message = turns[index]
            if message.id not in holders or message.role != "user":
                continue
            files = message._ordered_attachments(order if index == len(turns) - 1 else ())
            files = files.filtered(lambda a: a.id not in seen)
            if files:
                carriers.append((index, files))
                seen.update(files.ids)
        texts = self.env["ai.chat.attachment.text"]
        if seen:
            texts = texts.search([("attachment_id", "in", list(seen))])
        stored = {text.attachment_id.id: text for text in texts}
        groups = [
            [self._file_text(a, settings, stored.get(a.id)) for a in files] for _, files in carriers
        ]
        placed = documents.place(groups, settings.document_chars)
        attached = {
            index: documents.preamble(group)
            for (index, _), group in zip(carriers, placed, strict=True)
        }
        info = {}
        if carriers and carriers[0][0] == len(turns) - 1:
            for position, (attachment, item) in enumerate(
                zip(carriers[0][1], placed[0], strict=True)
            ):
                info[str(attachment.id)] = {
                    "position": position,
                    "chars": len(item.text),
                    "total_chars": item.document.total_chars,
                    "error": item.document.error,
                }
        return attached, info

    @api.model
    def _file_text(self, attachment, settings, stored):
        """The attachment's text as stored at upload (`stored`, an ai.chat.attachment.text or
        None); read again only if the budget grew beyond what was kept, or it was never stored."""
        budget = settings.document_chars
        if stored and (stored.max_chars >= budget or len(stored.text or "") >= stored.total_chars):
            return documents.FileText(
                attachment.name, (stored.text or "")[:budget], stored.total_chars
            )
        if attachment.file_size > settings.max_file_bytes:
            return documents.FileText(attachment.name, error=self._too_large_message(settings))
        try:
            extraction = extract_text(attachment.raw, attachment.name, max_chars=budget)
        except ExtractionBusy:
            if stored:  # shorter than the budget allows now, but better than no text
                return documents.FileText(attachment.name, stored.text or "", stored.total_chars)
            return documents.FileText(attachment.name, error=self._extraction_message("busy"))
        except ExtractionError as exc:
            return documents.FileText(attachment.name, error=self._extraction_message(exc.code))
        self._store_text(
            attachment, extraction.text, extraction.total_chars, extraction.kind, settings
        )
        return documents.FileText(attachment.name, extraction.text, extraction.total_chars)

    # -- shared --------------------------------------------------------------------------

    @api.model
    def _store_text(self, attachment, text, total_chars, kind, settings):
        # sudo: ai.chat.attachment.text - users only read their own texts; only extraction writes
        # them (create_uid stays the user, which the read rule checks)
        Text = self.env["ai.chat.attachment.text"].sudo()
        values = {
            "text": text,
            "total_chars": total_chars,
            "kind": kind,
            "max_chars": settings.document_chars,
            "checksum": attachment.checksum,
        }
        stored = Text.search([("attachment_id", "=", attachment.id)])
        if stored:
            stored.write(values)
        else:
            Text.create({"attachment_id": attachment.id, **values})

    @api.model
    def _chip(self, attachment, info=None):
        """What the web client shows for an attachment; info: what its text became."""
        info = info or {}
        chars, total = info.get("chars", 0), info.get("total_chars", 0)
        chip = {
            "id": attachment.id,
            "name": attachment.name,
            "size": attachment.file_size,
            "mimetype": attachment.mimetype or "",
            "kind": info.get("kind", ""),
            "chars": chars,
            "total_chars": total,
            "truncated": chars < total,
            "error": info.get("error", ""),
        }
        mark = attachment.description or ""
        res_model, _, res_id = mark.removeprefix(RECORD_MARK).rpartition(",")
        if mark.startswith(RECORD_MARK) and res_id.isdigit():
            Model = self.env.get(res_model)
            chip.update(
                kind="record",
                record={
                    "res_model": res_model,
                    "res_id": int(res_id),
                    # Messages can be included only where there is a chatter (mail installed).
                    "has_chatter": Model is not None and "message_ids" in Model._fields,
                },
            )
        return chip

    @api.model
    def _refused_chip(self, attachment, error):
        return {
            "id": False,
            "name": attachment.name,
            "size": attachment.file_size,
            "mimetype": attachment.mimetype or "",
            "kind": "",
            "chars": 0,
            "total_chars": 0,
            "truncated": False,
            "error": error,
        }

    @api.model
    def _clean_name(self, filename, keep_slashes=False):
        """A file's base name (a record title keeps its slashes: INV/2026/0001)."""
        name = filename or ""
        if not keep_slashes:
            name = os.path.basename(name.replace("\\", "/"))
        # Control characters (a NUL would fail the insert) and runs of blanks go.
        name = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        return (stem[: NAME_MAX_CHARS - len(ext)] + ext) if stem else "file"

    @api.model
    def _too_large_message(self, settings):
        return self.env._("The file is larger than %(size)s MB.", size=settings.max_file_mb)

    @api.model
    def _extraction_message(self, code):
        """Why a file is refused, in the user's language."""
        return self._extraction_words()[code]

    @api.model
    def _extraction_words(self):
        """Words for a person for each ExtractionError code (extract.REASONS)."""
        return {
            "unsupported": self.env._(
                "This file type is not supported. Attach a PDF, an office "
                "document, a spreadsheet or a text file."
            ),
            "old_office": self.env._(
                "Old Office files (.doc, .ppt) cannot be read: save this one as "
                ".docx or .pptx and attach it again."
            ),
            "image": self.env._(
                "Pictures are not read (there is no text recognition): attach a "
                "document with a text layer instead."
            ),
            "archive": self.env._("Archives are not opened: attach the files inside instead."),
            "executable": self.env._("Programs are not read: attach a document instead."),
            "media": self.env._("Audio and video files are not read: attach a transcript instead."),
            "encoding": self.env._(
                "The text encoding of this file cannot be read: save it as UTF-8."
            ),
            "corrupt": self.env._("This file is damaged and cannot be read."),
            "password": self.env._(
                "This PDF is protected by a password: remove the password and attach it again."
            ),
            "encrypted": self.env._(
                "This PDF is encrypted in a way that cannot be read: save an "
                "unencrypted copy and attach it again."
            ),
            "empty": self.env._("This file contains no text."),
            "no_text": self.env._(
                "This PDF has no text layer (a scan?). Run it through OCR first."
            ),
            "bomb": self.env._(
                "This file inflates to an abnormal size (a zip bomb?) and was not read."
            ),
            "too_large": self.env._("This file is too large to read once uncompressed."),
            "memory": self.env._("This file needs too much memory to read."),
            "timeout": self.env._("This file took too long to read."),
            "busy": self.env._("The server is reading other files. Try again in a few seconds."),
        }

    @api.model
    def _cron_remove_pending(self):
        """Uploads never sent with a question (the user left) are removed after a day."""
        limit = fields.Datetime.subtract(self.env.cr.now(), hours=PENDING_HOURS)
        # sudo: ir.attachment - the cron removes every user's abandoned uploads
        pending = (
            self.env["ir.attachment"]
            .sudo()
            .search(self._unsent_domain() + [("create_date", "<", limit)])
        )
        pending.unlink()
        return pending
