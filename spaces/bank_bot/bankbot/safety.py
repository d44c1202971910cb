"""Clear cues of harmful or fraud-seeking requests, checked before the intent model sees a message.

The intent model only knows what a question is *about*; "how do I get into my ex's bank account" is about
account access, so the model picks a banking intent (it once answered "account blocked"). A support bot
must never answer such a request with a how-to, so a short list of unambiguous cues catches them first and
the policy declines and points to the fraud team. The cues target the *request to do harm* (someone else's
account or card, stealing, skimming, phishing others, laundering, evading checks, prompt tricks); a victim's
report ("my card was stolen", "I got a phishing email", "someone got into my account") matches none of them
and goes to the model as before. False positives on the kit's banking questions are measured by
``fit_floor.py`` (see MODEL_CARD.md).
"""

from __future__ import annotations

import re
from enum import Enum


class Harm(str, Enum):
    """Why a message was refused. The value is what the API shows (``predict_intent``'s ``harm``)."""

    OTHERS_ACCOUNT = "others_account"  # getting into, or spying on, someone else's account or card
    THEFT_OR_FRAUD = "theft_or_fraud"  # stealing or cloning cards, fake identities, false claims
    PHISHING = "phishing"  # tricking people out of their details or money
    LAUNDERING = "laundering"  # hiding where money comes from, evading checks or reporting
    PROMPT_TRICK = "prompt_trick"  # "ignore your instructions" and similar


# Someone who is not the customer: "someone else's", "my ex's", "my wife's", "a stranger's", "his", "her" ...
_OTHER = (
    r"(?:some(?:one|body)(?: else)?'?s|another (?:person|customer|user)'?s|other (?:people|person)'?s|"
    r"(?:an?|the) (?:stranger|victim|random person|old (?:man|lady|woman|person)|elderly \w+)'?s|"
    r"(?:my|his|her|their|our) (?:ex(?:-\w+)?|former \w+|wife|husband|partner|spouse|boyfriend|girlfriend|"
    r"(?:step)?(?:mum|mom|mother|dad|father|parents?|brother|sister|son|daughter|grandma|grandmother|"
    r"grandpa|grandfather|grandparents?)|uncle|aunt|cousin|neighbou?r|boss|employer|friend|roommate|flatmate|"
    r"colleague|coworker|co-worker|landlord|tenant)'?s?|his|her)"
)
# A request to be shown how (so "someone stole my wallet" or "a duplicate card" are not requests).
_HOWTO = (
    r"(?:how (?:do|can|could|would|should|might) (?:i|we|one|you|someone)|how to|help me|teach me|show me|tell me how|"
    r"explain how|i want to|i wanna|i'?d like to|i need to|i'?m going to|i'?m gonna|best way to|"
    r"easiest way to|"
    r"quickest way to|ways? to|tips (?:for|on)|steps to|guide to|can i|could i|should i|is it possible to|let'?s|lets)"
)
_ACCOUNT = r"(?:bank |online |banking |savings |current |checking )?(?:account|acct|card|pin|password|login|app|"
_ACCOUNT += r"balance|statements?|transactions|money|savings|details|credentials|online banking)"
# Verbs that reach into an account: "get into", "hack", "spy on" may stand a few words before the owner ...
_GET_IN = (
    r"(?:get|break|hack|sneak|log|sign|logg?ing|signing|getting|breaking|hacking)\s+(?:in(?:to)?|on(?:to)?)|"
    r"access|accessing|hack|hacking|crack|cracking|spy on|spying on|snoop (?:on|in)|snooping (?:on|in)"
)
# ... milder ones only count right before the owner ("check my wife's balance", "drain his account").
_USE = (
    r"(?:see|check|read|monitor|track|look at|look in(?:to)?|open|empty|drain|take money (?:from|out of)|"
    r"withdraw (?:money )?from|transfer (?:money )?(?:from|out of)|use|reset|change|guess|find out|figure out|"
    r"get|steal|clone|copy)"
)

_PATTERNS: list[tuple[Harm, str]] = [
    # someone else's account, card or codes
    (Harm.OTHERS_ACCOUNT, rf"\b(?:{_GET_IN})\b[^.?!]{{0,12}}\b{_OTHER}\s+{_ACCOUNT}"),
    (Harm.OTHERS_ACCOUNT, rf"\b{_USE}\s+{_OTHER}\s+{_ACCOUNT}"),
    (Harm.OTHERS_ACCOUNT, rf"\b{_OTHER}\s+{_ACCOUNT}\b[^.?!]{{0,40}}\bwithout (?:them|him|her|their|his)\b"),
    (Harm.OTHERS_ACCOUNT, r"\bwithout (?:them|him|her|the owner|the account holder) (?:knowing|noticing|finding out)"),
    (
        Harm.OTHERS_ACCOUNT,
        r"\bwithout (?:his|her|their|the owner'?s|the account holder'?s) (?:permission|"
        r"consent|knowledge)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\bhack(?:ing)?\b[^.?!]{0,20}\b(?:an?|the|any|into an?|into the|"
        r"into any)\s+(?:bank\w*|account|card|atm)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:bypass|get (?:around|past)|defeat|disable|skip)\b[^.?!]{0,20}\b(?:2fa|two[- ]factor|"
        r"security (?:check|question)s?|otp|one[- ]time (?:code|password)|fraud (?:check|detection)s?)",
    ),
    # stealing, cloning and faking
    (
        Harm.THEFT_OR_FRAUD,
        rf"\b{_HOWTO}\b[^.?!]{{0,30}}\b(?:steal|nick|pinch)\b[^.?!]{{0,25}}\b(?:cards?|"
        rf"card numbers|card details|money|"
        r"cash|pins?|identit(?:y|ies)|accounts?|wallets?|purses?)\b",
    ),
    (Harm.THEFT_OR_FRAUD, r"\b(?:use|using|spend|sell|selling|buy|buying|cash out)\b[^.?!]{0,15}\bstolen\b"),
    (
        Harm.THEFT_OR_FRAUD,
        rf"\b{_HOWTO}\b[^.?!]{{0,20}}\b(?:clone|make a copy of|"
        rf"copy)\b[^.?!]{{0,15}}\b(?:cards?|chips?|"
        r"magstripes?|contactless)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:install|build|make|buy|get|use|set up|place|put)\b[^.?!]{0,15}\bskimm(?:er|"
        r"ing device)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:cvv dumps?|card dumps|fullz|bin attack|carding (?:site|forum|method|tutorial|"
        r"guide)s?)\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:generate|make up|create|invent)\b[^.?!]{0,20}\b(?:valid |working |"
        r"real )?(?:credit |debit )?"
        r"card numbers\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:fake|forged?|forging|counterfeit|falsif\w+|doctor(?:ed)?)\b[^.?!]{0,15}\b(?:id|"
        r"ids|identity|"
        r"passport|documents?|payslips?|pay ?stubs?|cheques?|checks|bank statements?|statements?|"
        r"proof of (?:address|income)|"
        r"invoices?)\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:open|opening|get)\b[^.?!]{0,20}\baccount\b[^.?!]{0,15}\b(?:in|under|with)\s+(?:a fake|"
        r"someone else'?s|another person'?s|a stolen|a false|somebody else'?s)\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:say|claim|pretend|report|tell (?:you|the bank|"
        r"them))\b[^.?!]{0,20}\b(?:my card was stolen|"
        r"it was(?:n't| not) me|i didn'?t make (?:it|the payment|the purchase))\b[^.?!]{0,40}\b(?:but|even though|"
        r"although|when)\b",
    ),
    (Harm.THEFT_OR_FRAUD, r"\b(?:fake|false|fraudulent|bogus)\s+(?:dispute|chargeback|claim|refund)"),
    (Harm.THEFT_OR_FRAUD, r"\b(?:chargeback|refund|friendly) fraud\b(?![^.?!]{0,20}\b(?:victim|happened|report))"),
    (Harm.THEFT_OR_FRAUD, r"\b(?:rob|robbing|hold up)\b[^.?!]{0,10}\b(?:a |the )?(?:bank|atm|branch|cash machine)"),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:get|keep|take)\b[^.?!]{0,20}\bmoney\b[^.?!]{0,25}\b(?:sent|paid|"
        r"transferred) (?:to me )?by mistake\b"
        r"[^.?!]{0,30}\b(?:without (?:giving|paying|sending) it back|and not (?:give|pay|send) it back|keep it)\b",
    ),
    # phishing and scamming other people
    (
        Harm.PHISHING,
        r"\bphish(?:ing)?\b[^.?!]{0,20}\b(?:email|e-mail|text|sms|message|site|website|page|link|"
        r"kit|campaign|"
        r"template)s?\b[^.?!]{0,30}\b(?:for|to|that|so)\b[^.?!]{0,25}\b(?:people|customers|someone|victims|them|users|"
        r"look|looks|seem|seems|trick|fool)",
    ),
    (
        Harm.PHISHING,
        r"\b(?:write|make|create|send|design|build|draft|code|set up)\b[^.?!]{0,25}\b(?:phishing|"
        r"scam|fake bank|"
        r"fake login|spoofed?|fake northwind|fake payment|fake verification)\b",
    ),
    (Harm.PHISHING, r"\bphish\s+(?:people|customers|someone|somebody|users|victims|them|for)\b"),
    (
        Harm.PHISHING,
        r"\b(?:trick|con|fool|scam|deceive|manipulate|pressure|persuade|convince)(?:s|ed|ing|ning|"
        r"ned|d)?\b[^.?!]{0,40}\b(?:into|to)\s+"
        r"(?:giving|give|sending|send|transferring|transfer|telling|tell|sharing|share|reading out|paying|pay|"
        r"revealing|reveal)\b",
    ),
    (
        Harm.PHISHING,
        r"\b(?:get|obtain|harvest|collect|find out|steal)\b[^.?!]{0,10}\b(?:someone'?s|somebody'?s|"
        r"people'?s|"
        r"customers'?|other people'?s|their|his|her)\s+(?:pins?|passwords?|card (?:details|numbers?)|logins?|otps?|"
        r"(?:security|verification|one[- ]time) codes?|bank details|cvvs?)\b",
    ),
    (
        Harm.PHISHING,
        r"\b(?:impersonate|pose as|pretend to be|pretending to be|posing as)\b[^.?!]{0,15}\b(?:a |"
        r"the |from )?"
        r"(?:bank|northwind|police|hmrc|irs|tax office|fraud team|bank staff|bank employee)",
    ),
    (Harm.PHISHING, r"\bscam(?:ming)?\s+(?:people|someone|somebody|old|elderly|customers|victims|my|an?|them)\b"),
    # laundering and evading checks
    (
        Harm.LAUNDERING,
        r"\blaunder(?!ette)(?:ing)?\b(?![^.?!]{0,25}\b(?:check|checks|rules|regulations|law|laws|"
        r"questions?)\b)",
    ),
    (Harm.LAUNDERING, r"\bmoney laundering\b[^.?!]{0,20}\b(?:how|tips|best way|without getting caught)"),
    (
        Harm.LAUNDERING,
        r"\b(?:clean|wash)\b[^.?!]{0,10}\b(?:dirty|drug|illegal|stolen|criminal|black)\s+(?:money|"
        r"cash|funds)",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:avoid|evade|dodge|get around|bypass|beat|slip past|stay under|keep under|go under|"
        r"escape)\b"
        r"[^.?!]{0,25}\b(?:aml|anti[- ]money|kyc|reporting|reported|report(?:ing)? threshold|the threshold|"
        r"detection|flagged|"
        r"flags|the taxman|tax authorities|hmrc|irs|sanctions|source of funds checks?|the (?:bank'?s )?checks)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\bwithout (?:it |them |anyone )?(?:being |getting )?(?:reported|flagged|noticed|traced|"
        r"tracked)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:hide|hiding|conceal|disguise)\b[^.?!]{0,20}\b(?:money|cash|funds|income|payments?|"
        r"transfers?)\b"
        r"[^.?!]{0,20}\bfrom\s+(?:the )?(?:tax|taxman|irs|hmrc|police|government|authorities|bank|court|regulators?)",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:structur\w+|smurf\w*|split)\b[^.?!]{0,25}\b(?:deposits?|cash|payments?|"
        r"transfers?)\b[^.?!]{0,25}"
        r"\b(?:to avoid|so (?:it|they) (?:isn'?t|aren'?t|don'?t|doesn'?t)|under the|below the)\b",
    ),
    (Harm.LAUNDERING, r"\b(?:be(?:come)? a|work as a|recruit\w*)\s+(?:money )?mules?\b"),
    (Harm.LAUNDERING, r"\b(?:finance|fund|funding|financing)\s+(?:terror\w*|a terror\w*)"),
    # tricks aimed at the bot itself
    (
        Harm.PROMPT_TRICK,
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,25}\b(?:instructions|rules|"
        r"guidelines|"
        r"prompt|programming|restrictions|policies|policy|filters?|training|system message)\b",
    ),
    (
        Harm.PROMPT_TRICK,
        r"\b(?:system prompt|developer mode|dan mode|jailbreak\w*|do anything now|god mode|"
        r"sudo mode)\b",
    ),
    (
        Harm.PROMPT_TRICK,
        r"\byou are (?:now|no longer)\b[^.?!]{0,30}\b(?:unrestricted|unfiltered|free|dan|evil|a hacker|"
        r"not a bank|not bound)",
    ),
    (
        Harm.PROMPT_TRICK,
        r"\b(?:pretend|act|behave|roleplay|role-play)\b[^.?!]{0,15}\b(?:as|like|to be|you are|you're)\b"
        r"[^.?!]{0,20}\b(?:unrestricted|unfiltered|evil|a hacker|a criminal|a fraudster|without (?:any )?(?:rules|"
        r"limits|filters)|"
        r"no (?:rules|limits|filters))",
    ),
    (
        Harm.PROMPT_TRICK,
        r"\b(?:reveal|show|print|repeat|tell me)\b[^.?!]{0,15}\b(?:your|the)\s+(?:instructions|"
        r"system prompt|"
        r"prompt|hidden rules|configuration|source code)\b",
    ),
]
_COMPILED = [(harm, re.compile(pattern, re.IGNORECASE)) for harm, pattern in _PATTERNS]


def _normalise(text: str) -> str:
    # curly apostrophes, and "ex s account" typed without the apostrophe, read like the plain forms
    return text.replace("\u2019", "'").replace("\u2018", "'")


def harm_cue(text: str) -> Harm | None:
    """The first clear harm/fraud cue in a (cleaned) message, or None."""
    t = _normalise(text)
    for harm, pattern in _COMPILED:
        if pattern.search(t):
            return harm
    return None
