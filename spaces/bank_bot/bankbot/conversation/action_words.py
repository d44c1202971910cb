"""Closing is not freezing: the verb a customer uses must agree with the account action the bot answers with.

"Je veux fermer mon compte" (close) was answered with how to *freeze* it: to the sentence encoder, closing,
freezing and blocking an account are near neighbours, and in French, Italian, Spanish and German the e5 head has
only a few examples of each. Answering one for the other is the worst kind of wrong answer (a customer who wanted
to leave is told how to pause). So a short, reviewed list of the verbs for each action, in the five languages,
checks the answer: when the message names one action and none of the other, and the model picked the other,
the bot asks which one was meant instead of answering (``conversation.bot``).
"""

from __future__ import annotations

import re

CLOSE, FREEZE = "terminate_account", "freeze_account"

_CLOSE = re.compile(
    r"\b(?:clos(?:e|ing)|shut(?:ting)?|terminat\w+|delete|get rid of|leav(?:e|ing) (?:the|your|northwind) bank"
    r"|ferm\w*|cl[ôo]tur\w*|r[ée]sili\w*|supprim\w*"
    r"|chiud\w*|chius[oa]|estingu\w*"
    r"|cerr\w*|cierr\w*|dar(?:me|lo|la)? de baja|doy de baja"
    r"|k[üu]ndig\w*|schlie(?:ß|ss)\w*|aufl(?:ö|o|oe)s\w*|l(?:ö|o|oe)sch\w*|beend\w*"
    r"|cancel\w* (?:my |mi |the |la |mon |il )?(?:account|cuenta|compte|conto))\b",
    re.IGNORECASE,
)
_FREEZE = re.compile(
    r"\b(?:freez\w*|froze\w*|block\w*|lock\w*|paus\w*|suspend\w*|temporar\w*|for now"
    r"|gel\w*|bloqu\w*|suspen\w*|temporaire\w*|provisoire\w*"
    r"|congel\w*|blocc\w*|sospend\w*|temporane\w*"
    r"|pausar|temporal\w*"
    r"|einfrier\w*|friere\w*|eingefroren|sperr\w*|gesperrt|pausier\w*|vor(?:ü|u|ue)bergehend)\b",
    re.IGNORECASE,
)


def named_action(text: str) -> str | None:
    """The account action the message's verbs name (closing or freezing), or None when neither or both."""
    close, freeze = bool(_CLOSE.search(text)), bool(_FREEZE.search(text))
    if close == freeze:
        return None
    return CLOSE if close else FREEZE


def contradicted(text: str, intent: str | None) -> str | None:
    """The other action when the model answers with closing or freezing and the message names only the other."""
    if intent not in (CLOSE, FREEZE):
        return None
    named = named_action(text)
    return named if named and named != intent else None
