"""The bot this process serves (a company's own bot or the stock Northwind bot) and one message through it. The
app and its handlers start here, so the conversation itself needs to know no company bot."""

from __future__ import annotations

from .conversation.bot import prediction_dict, respond
from .conversation.policy import answer_table


def served_bot():
    """(model, table) this process serves: a company's own bot (``$BANK_BOT_MODEL`` or a staged
    ``company_model/``, see company.folder) or the stock Northwind bot."""
    from .company.folder import company_bot, served_folder
    from .models.model import get_model

    folder = served_folder()
    return company_bot(folder) if folder else (get_model(), answer_table())


def classify(message: object) -> dict:
    """One message on its own (no conversation) through the served model, table and policy."""
    model, table = served_bot()
    return prediction_dict(respond(message, [], model, table), table)


__all__ = ["classify", "served_bot"]
