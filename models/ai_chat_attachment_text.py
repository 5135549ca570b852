# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AiChatAttachmentText(models.Model):
    """The text read from a chat attachment, kept so that no question parses a file again, in
    whichever worker it lands."""

    _name = "ai.chat.attachment.text"
    _description = "AI Chat Attachment Text"
    _rec_name = "attachment_id"

    attachment_id = fields.Many2one("ir.attachment", required=True, index=True, ondelete="cascade")
    text = fields.Text(help="The text, cut to the document budget of the time it was read.")
    total_chars = fields.Integer(help="The length of the whole text in the file.")
    kind = fields.Char(help="The format it was read as (pdf, docx, xlsx, ...).")
    max_chars = fields.Integer(help="The document budget the text was cut to.")
    checksum = fields.Char(
        help="The file's checksum when it was read: a file changed since is "
        "not the one that was checked and read."
    )

    _sql_constraints = [
        ("attachment_unique", "unique(attachment_id)", "A file has one extracted text."),
    ]
