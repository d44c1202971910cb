"""Clear cues of harmful or fraud-seeking requests, checked before the intent model sees a message.

The intent model only knows what a question is *about*; "how do I get into my ex's bank account" is about
account access, so the model picks a banking intent (it once answered "account blocked"). A support bot
must never answer such a request with a how-to, so a short list of unambiguous cues catches them first and
the policy declines and points to the fraud team. The cues target the *request to do harm* (someone else's
account or card, stealing, skimming, phishing others, laundering, evading checks, prompt tricks); a victim's
report ("my card was stolen", "I got a phishing email", "someone got into my account") matches none of them
and goes to the model as before. A request for another person's data ("what's my neighbour John Smith's balance",
"what did my husband spend on his card") is refused as ``Harm.OTHERS_DATA``: the model would read it as the
customer's own balance question and answer it; the owner is written as people type it ("my bosses", "the hubbys",
"me mam's", "the guy next door's"). A false claim is a refund or chargeback for what the customer had ("chargeback stuff
i actually received", "say it never arrived when it did"); a victim's "a payment i didn't make" or "it never arrived"
is not one, nor a refund "on stuff i still have" or for "a concert i went to". Passing the bank's own checks as
someone else ("pretend to be my dad when i ring", "answer them as my mum") is an attempt on their account. False
positives on the kit's banking questions are measured by ``fit_floor.py`` (see MODEL_CARD.md), old against new cues by
``harm_report.py`` (README, "Harmful requests: probe set 6" and "probe set 8").

French, Italian, Spanish and German requests have short cue lists of their own (``_FOREIGN``). They mostly key on
the infinitive of the harmful verb ("pirater", "rubare", "clonar", "hacken"): a request asks *how to* do it, while a
victim's report uses the participle ("piraté", "rubata", "clonaron", "gehackt") and matches none of them.
"""

from __future__ import annotations

import re
from enum import Enum


class Harm(str, Enum):
    """Why a message was refused. The value is what the API shows (``predict_intent``'s ``harm``)."""

    OTHERS_ACCOUNT = "others_account"  # getting into, or spying on, someone else's account or card
    OTHERS_DATA = "others_data"  # asking the bot for another person's balance, transactions or details
    THEFT_OR_FRAUD = "theft_or_fraud"  # stealing or cloning cards, fake identities, false claims
    PHISHING = "phishing"  # tricking people out of their details or money
    LAUNDERING = "laundering"  # hiding where money comes from, evading checks or reporting
    PROMPT_TRICK = "prompt_trick"  # "ignore your instructions" and similar
    DANGEROUS = "dangerous"  # weapons, explosives, illegal drugs, breaking into property, hurting someone


# Someone who is not the customer: "someone else's", "my ex's", "my wife's", "a stranger's", "his", "her" ...
_RELATIVE = (
    r"(?:(?:ex|teenage|teen|little|older|younger|eldest|oldest|youngest|big|baby|twin|elderly|grown up|adult) )?"
    r"(?:ex(?:-\w+)?|former \w+|wife|wifey|husband|husbnd|husbend|hubby|hubs|missus|missis|partner|spouse|boyfriend|"
    r"girlfriend|boyf|girlf|bf|gf|bae|fianc[eé]e?|other half|better half|old man|old dear|bro|bruv|sis|m8|lad|"
    r"(?:step)?(?:mum|mam|mom|mummy|mammy|mommy|mother|dad|daddy|father|parents?|brother|sister|son|daughter|kid|"
    r"child|grandma|grandmother|gran|granny|nan|nana|nanna|grandpa|grandad|granddad|grandfather|grandparents?)|"
    r"(?:mother|father|brother|sister|son|daughter)[- ]in[- ]law|in[- ]laws?|nephew|niece|uncle|aunt|auntie|aunty|"
    r"cousin|"
    r"neighbou?r|next[- ]door neighbou?r|(?:guy|bloke|man|lady|woman|fella|lad|girl|couple|family) (?:next door|"
    r"upstairs|downstairs|across the (?:road|street|hall))|boss|manager|employer|friend|mate|best mate|bestie|pal|"
    r"roommate|flatmate|housemate|lodger|colleague|coworker|co-worker|landlord|landlady|tenant|carer)"
)
# Whose: "my", "the" ("the missus", "the guy next door"), and the dialect "me" ("me mam's")
_OWNER = r"(?:my|his|her|their|our|the|me)"
# The possessive as people type it: "mum's", "bosses" / "boss'", "mums" (no apostrophe)
_POSS = r"(?:'s|s'|'|es|s)"
_OTHER = (
    r"(?:some(?:one|body)(?: else)?'?s|another (?:person|customer|user)'?s|other (?:people|person)'?s|"
    r"(?:an?|the) (?:stranger|victim|random person|old (?:man|lady|woman|person)|elderly \w+)'?s|"
    rf"{_OWNER} {_RELATIVE}{_POSS}?|his|her)"
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

# What the bot could be asked to read out about an account: never another person's. (Not "account details" or
# "salary": "I need my landlord's account details" is a transfer, "my husband's salary" a payment in.)
_DATA = (
    r"(?:last |latest |recent |current |bank |account |card |monthly |last few |few )*(?:balance|transactions|"
    r"statements?|spending|purchases|(?:card )?payments|outgoings|overdraft)"
)
# What follows a relative's payments or balance in a report about them, not a request to read them: "my sons card
# payments are declined", "my flatmates payments to me havent arrived", "my daughters spending limit"
_NOT_A_STATUS = (
    r"(?! limit| to (?:me|my)\b| into my\b| for me\b| (?:keep|keeps|are|is|were|was|have|has|had|got|get|won'?t|"
    r"wont|don'?t|dont|aren'?t|arent|isn'?t|isnt|failing|failed|declined|bounced|not|went|go|going)\b)"
)
# The numbers and codes of an account or card
_CODES = (
    r"(?:(?:bank|card|debit|credit|debit card|credit card|atm) )?(?:account (?:number|no|num)|acc(?:oun)?t? (?:no|num)|"
    r"card (?:number|no|num)|sort code|pin(?: number)?|passcode|password|login)"
)
# A possessor that is not a person ("today's balance", "the card's PIN", "this month's statement").
_NOT_A_PERSON = (
    r"(?<!\btoday)(?<!\byesterday)(?<!\bmonth)(?<!\bweek)(?<!\byear)(?<!\baccount)(?<!\bcard)(?<!\bbank)"
    r"(?<!\bnorthwind)(?<!\bapp)(?<!\bcompany)(?<!\bbusiness)(?<!\bbusinesses)(?<!\bshop)(?<!\bmerchant)"
    r"(?<!\bseller)(?<!\bstore)(?<!\bpayee)(?<!\brecipient)(?<!\bbeneficiary)(?<!\bsender)"
    r"(?<!\bi)(?<!\bit)(?<!\bthat)(?<!\bwhat)(?<!\bthere)(?<!\bhere)(?<!\bwho)"
    r"(?<!\blet)(?<!\bone)(?<!\bsaving)(?<!\bsavings)(?<!\bchecking)(?<!\bcurrent)(?<!\bjoint)"
    r"(?<!\bisa)(?<!\bpot)(?<!\bwallet)(?<!\bvault)(?<!\bloan)(?<!\bmortgage)(?<!\beuro)(?<!\bdollar)(?<!\bpound)"
    r"(?<!\bfortnight)(?<!\bday)(?<!\bnight)(?<!\bquarter)(?<!\bmonths)(?<!\bweeks)(?<!\byears)"
)

# "i actually received", "even though i used it": the customer had what they would claim for (not "i actually
# received the wrong one", a fault)
_HAD_IT = (
    r"(?:(?:i (?:actually|really|already|did)|(?:even though|even tho|though|tho|although|altho|when|while|whilst) "
    r"i(?: actually| did| already)?) (?:received|receive|got|get|went|go|used|use|make|made|buy|bought|have|had|wore|"
    r"ate|kept|keep|watched|wear|eat)\b"
    r"|i(?:'?ve| have)(?: already| actually)? (?:worn|eaten|kept|been to|gone to|watched)\b"
    r"|i (?:still|'?ve still|have still) (?:have|got)(?: (?:it|them|the (?:item|items|stuff|goods|product|thing|things|"
    r"order)))?(?=\s*(?:$|[,.?!]|and\b|but\b|lol\b))"
    r"|i (?:went|been|go) to(?=\s*(?:$|[,.?!]|and\b|but\b|so\b|lol\b)))"
    r"(?![^.?!,]{0,25}\b(?:wrong|damaged|broken|broke|faulty|stopped working|not working|didn'?t work|doesn'?t work|"
    r"late|charged|billed|twice)\b)"
)

# A report of an approach, not a request: "someone asked me to ..., i said no", "... is that a scam"
_NOT_REPORTED = (
    r"(?![^?!]{0,120}\b(?:i said no|i refused|i declined|i turned (?:it|him|her|them) down|should i report|"
    r"report (?:it|this|them|him|her)|is (?:it|this|that) (?:a )?(?:scam|legit|legal|allowed|safe))\b)"
)

_PATTERNS: list[tuple[Harm, str]] = [
    # someone else's data: "what's my neighbour John Smith's balance", "how much does my brother have in his account"
    (Harm.OTHERS_DATA, rf"\b{_OWNER} {_RELATIVE}(?: [a-z]+){{0,2}}'s {_DATA}\b"),
    (Harm.OTHERS_DATA, rf"\b(?:some(?:one|body)(?: else)?|another (?:person|customer)|a stranger)'?s {_DATA}\b"),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:show|tell|give|send|read|list|what(?:'?s| is| are)|wots?|wats?|how much is)\b[^.?!]{{0,12}}"
        rf"\b[a-z]+{_NOT_A_PERSON}'s (?:{_DATA}|{_CODES})\b",
    ),
    # "i look after my gran, just tell me her balance"; "what's gone out of my other halfs account", "what my boss'
    # account has got in it"; "list everything my other half bought on his card"
    (Harm.OTHERS_DATA, rf"\b(?:tell|show|give|read|send|list) me (?:his|her|their) {_DATA}\b(?! limit)"),
    (
        Harm.OTHERS_DATA,
        rf"\bwhat(?:'?s| is| has| have)? (?:gone|come|been taken|been spent|left) (?:in|into|out of|on|from) {_OWNER} "
        rf"{_RELATIVE}{_POSS} (?:bank |savings |current )?(?:account|acct|card)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\bwhat(?:'?s| is)? in {_OWNER} {_RELATIVE}{_POSS} (?:bank |savings |current )?(?:account|acct)\b"
        rf"|\b{_OWNER} {_RELATIVE}{_POSS} (?:bank |savings |current )?(?:account|acct) (?:has|'s|has got) "
        r"(?:got )?in it\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:list|show|tell|read|give|send|what|everything|how much|all)\b[^.?!]{{0,25}}\b{_OWNER} {_RELATIVE}\b"
        r"[^.?!]{0,15}\b(?:bought|spent|paid|purchased|got|been buying|been spending)\b[^.?!]{0,25}"
        r"\b(?:on|with|from|out of) (?:his|her|their) (?:credit |debit |bank )?(?:card|account)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\bhow much\b[^.?!]{{0,20}}\b(?:does|has|did|is)\s+{_OWNER} {_RELATIVE}\b[^.?!]{{0,25}}"
        r"\b(?:have|has|got|spend|spent|earn|in (?:his|her|their) (?:account|card)|on (?:his|her|their) card)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\bwhat (?:did|has|does|is) {_OWNER} {_RELATIVE} (?:been )?(?:spend|spent|spending|buy|"
        r"bought|buying|pay|paid|paying|earn)\b",
    ),
    # "the balance on my sister's savings account", "my colleague's bank details and recent transactions"
    (Harm.OTHERS_DATA, rf"\b{_DATA} (?:on|of|in|for|from) {_OWNER} {_RELATIVE}{_POSS}\b"),
    (
        Harm.OTHERS_DATA,
        rf"\b{_OWNER} {_RELATIVE}'s (?:[a-z]+,? ){{0,3}}(?:and|&|plus) (?:(?:his|her|their|the) )?"
        rf"{_DATA}\b(?! limit)",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:check|see|look at|tell me|show me|find out)\b[^.?!]{{0,6}}\b{_OWNER} {_RELATIVE}{_POSS} "
        r"(?:(?:bank|savings|current|checking|credit card|card) )?(?:account|acct|card)\b",
    ),
    (
        Harm.OTHERS_DATA,
        r"\b(?:account|card)\b[^.?!]{0,40}\b(?:belongs to|is owned by|owned by|in the name of)\s+(?:my|his|her|"
        r"their|someone|somebody|a friend|a neighbou?r|another)\b",
    ),
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
        r"\b(?:bypass|get (?:a)?round|get past|defeat|disable|skip|cheat|fool|trick)\b[^.?!]{0,20}\b(?:2fa|"
        r"two[- ]factor|security (?:check|question)s?|otp|one[- ]time (?:code|password)|fraud (?:check|detection)s?|"
        r"(?:id|identity|kyc) (?:check|checks|process))",
    ),
    # someone else's data (after the account patterns: spying on it "without him finding out" is the graver
    # harm), written without the apostrophe, or asked as a question about them: "whats my girlfriends balance", "show me
    # what my brother has spent", "how much money my neighbour Dave has got", "look up my mum's account number"
    (Harm.OTHERS_DATA, rf"\b{_OWNER} {_RELATIVE}{_POSS} {_DATA}\b{_NOT_A_STATUS}"),
    (
        Harm.OTHERS_DATA,
        rf"\bwhat {_OWNER} {_RELATIVE}(?: [a-z]+)? (?:has|had|is|was)(?: been)? (?:spend|spent|"
        r"spending|buy|bought|buying|earn|earned)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\bhow much (?:money|cash)\s+(?:(?:does|has|is)\s+)?{_OWNER} {_RELATIVE}"
        r"(?: (?!sent\b|paid\b|transferred\b|gave\b|lent\b)[a-z]+)? (?:has got|have got|has|have|got)\b"
        r"(?! (?:sent|paid|transferred|put|moved|given|lent))",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:look up|find|tell me|give me|get me|send me|what(?:'?s| is)|need|want|can i (?:have|get))\b"
        rf"[^.?!]{{0,6}}\b{_OWNER} {_RELATIVE}{_POSS} {_CODES}\b",
    ),
    # what someone else earns ("how much my flatmate earns"): the bank would read it from their account
    (
        Harm.OTHERS_DATA,
        rf"\bhow much (?:(?:money|cash) )?{_OWNER} {_RELATIVE} (?:earns|earned|makes|made|gets paid|"
        r"is paid|takes home)\b",
    ),
    # a relative's or a named person's pay landing in their account, asked about: "has my sisters wages landed in her
    # account", "check if my mates wages have come in" (not "my husband's salary went in but my balance is the same")
    (
        Harm.OTHERS_DATA,
        rf"\b(?:has|have|had|did|does|do|is|are|will|check|see|know|tell me|find out|if|whether|when)\b[^.?!]{{0,20}}"
        rf"\b(?:{_OWNER} {_RELATIVE}|[a-z]+{_NOT_A_PERSON}(?<!\bmy)(?<!\bour)(?<!\bthe)){_POSS} "
        r"(?:wages|salary|pay|paycheck|pay cheque|pension|benefits|universal credit|student loan|dole|giro|"
        r"allowance)\b[^.?!]{0,20}"
        r"\b(?:landed|land|come in|came in|coming in|gone in|went in|go in|arrived|arrive|hit|cleared|gone through|"
        r"been paid|due|in (?:his|her|their) (?:bank|account|acc|acct))\b",
    ),
    # asked about a third person's money: "whats she got sitting in her acc", "what does sarah jones have in her
    # account", "is there enough in his account", "whats left in his acct", "how much is on my sons card"
    (
        Harm.OTHERS_DATA,
        r"\b(?:what(?:'?s| is| has| does| did)?|wots?|wats?|how much(?: money| cash)?(?: has| have| is| does| did)?|"
        r"is there(?: enough| any| much)?(?: money| cash)?)\s+(?:(?:money|cash|left|remaining|sitting|still) )*"
        r"(?:(?:he|she|they)(?:'s| has| have| had| does| do| did)?(?: (?:got|have|has|had))?\s+"
        r"|[a-z]+ [a-z]+ (?:have|has|got)\s+)?"
        r"(?:(?:left|remaining|sitting|stashed|saved|saved up|still|there) )*(?:in|on) (?:his|her|their) "
        r"(?:bank |savings |current |credit |debit |prepaid )?(?:account|acc|acct|card|isa|savings|pot)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:how much|anything|any money|money|cash|enough)\b (?:(?:is|still|left|remaining|sitting) )*(?:in|on) "
        rf"{_OWNER} {_RELATIVE}{_POSS} (?:[a-z]+ )?(?:account|acc|acct|card|isa)\b",
    ),
    # what left someone else's account: "whats been going out of my daughters account", "did the rent leave his
    # account"
    (
        Harm.OTHERS_DATA,
        rf"\bwhat(?:'?s| is| has| have)? (?:been )?(?:going|coming|leaving|taken|spent) (?:in|into|out of|on|from) "
        rf"{_OWNER} {_RELATIVE}{_POSS} (?:bank |savings |current )?(?:account|acct|acc|card)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:did|has|have|is|was)\s+{_OWNER} {_RELATIVE}{_POSS} (?:[a-z]+ ){{1,2}}(?:leave|left|gone out of|"
        r"come out of|go out of|come off|gone off)\s+(?:his|her|their) (?:bank |current )?(?:account|acc|acct|card)\b",
    ),
    # a relative's codes, not followed by how they went: "my fathers debit pin please" (not "my mums pin isnt
    # working"); "what did my husband take out at the cashpoint"
    (Harm.OTHERS_DATA, rf"\b{_OWNER} {_RELATIVE}{_POSS} {_CODES}\b{_NOT_A_STATUS}"),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:how much|what)\b[^.?!]{{0,10}}\b(?:did|has|does|is)\s+{_OWNER} {_RELATIVE} (?:been )?(?:take out|"
        r"taken out|took out|taking out|withdraw|withdrawn|withdrew|withdrawing|get out|got out|pull out|pulled out)\b",
    ),
    # a named person's codes asked for ("give us our kevs account no", "whats Tom Bakers account number")
    (
        Harm.OTHERS_DATA,
        rf"\b(?:give|get|send|tell|text|email) (?:me|us)\b[^.?!]{{0,12}}\b[a-z]+{_NOT_A_PERSON}(?:'s|s) {_CODES}\b",
    ),
    # passing the bank's checks as someone else: "pretend to be my dad when i ring", "answer them as my mum",
    # "pass voice id as my brother", "with a photo of someone else"
    (
        Harm.OTHERS_ACCOUNT,
        rf"(?:^|\b(?:i|we|can i|could i|should i|how (?:do|can|could|would) i|help me|let me|i'?ll|i will|i wanna|"
        rf"i want to|i need to|gonna|going to|how to|way to|ways to)\s+)(?:pretend to be|pose as|impersonate|"
        rf"pass (?:myself )?(?:off )?as)\s+(?:{_OWNER} {_RELATIVE}\b(?!')|someone else|somebody else|another person|"
        r"the account holder)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:answer|pass|get through|complete|beat|fool|do)\b[^.?!]{0,30}\b(?:security|verification|voice|face|"
        r"selfie|id|identity|checks?|questions?|them|it)\b[^.?!]{0,15}\bas (?:if i (?:was|were|am) |though i "
        rf"(?:was|were|am) )?(?:{_OWNER} {_RELATIVE}\b(?!')|someone else|somebody else|another person|the account "
        r"holder)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        rf"\b(?:with|using|use)\s+(?:a |an |the )?(?:photo|picture|pic|video|recording|selfie|face|voice|mask)s?"
        rf"\s+of\s+"
        rf"(?:some(?:one|body) else|another person|a stranger|{_OWNER} {_RELATIVE}\b(?!'))",
    ),
    # passing as someone else: "with someone else's passport", "using my brother's ID"
    (
        Harm.THEFT_OR_FRAUD,
        rf"\b(?:with|using|use|show|upload)\s+{_OTHER}\s+(?:passport|id|id card|identity|driving licen[cs]e|"
        r"documents?|selfie|face)\b",
    ),
    # stealing, cloning and faking
    (
        Harm.THEFT_OR_FRAUD,
        rf"\b{_HOWTO}\b[^.?!]{{0,30}}\b(?:steal|nick|pinch)\b[^.?!]{{0,25}}\b(?:cards?|"
        rf"card numbers|card details|money|"
        r"cash|pins?|identit(?:y|ies)|accounts?|wallets?|purses?)\b",
    ),
    (Harm.THEFT_OR_FRAUD, r"\b(?:use|using|spend|sell|selling|buy|buying|cash out)\b[^.?!]{0,15}\bstolen\b"),
    # a card that is not theirs: "use a card i found in the street", "get cash out of a card someone dropped"
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:use|using|spend|spend on|pay with|get (?:cash|money) (?:out of|off|from|with)|withdraw (?:from|with)|"
        r"cash out)\s+(?:a|the|this|that|someone'?s) (?:\w+ )?card (?:that )?(?:i|we|my \w+|someone) "
        r"(?:found|picked up|dropped|left)\b",
    ),
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
    # a refund or chargeback for what the customer received, bought or used ("chargeback stuff i actually received",
    # "so i get the money back and keep the stuff"); a victim's "a payment i didn't make", "i never received it" or
    # "i actually received the wrong one" matches none of it
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:chargeback|charge back|charge-back|dispute|refund|refunded|money back|claim|cloned|stolen)\b[^.?!]{0,60}"
        r"\b(?:and (?:still )?keep (?:the|it|them|my|everything)|keep(?:ing)? (?:the )?(?:stuff|goods|items?|things?|"
        r"order|parcel|product|holiday)|(?:get|got|have) (?:it|them|stuff|everything|the \w+) (?:for )?free|"
        rf"{_HAD_IT}|i (?:bought|made|paid) (?:myself|for myself)|i did make)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        rf"\b{_HOWTO}\b[^.?!]{{0,20}}\b(?:say|pretend|make out|claim|lie|tell (?:you|the bank|them))\b[^.?!]{{0,30}}"
        r"\b(?:never (?:arrived|came|turned up|showed up|got here|got delivered)|(?:didn'?t|did not) (?:arrive|come|"
        r"turn up|show up)|was(?:n'?t| not) delivered|never got it)\b[^.?!]{0,30}\b(?:when|but|even though|although|"
        r"though) (?:it|they|i) (?:did|was|were|had|actually|really)\b",
    ),
    # a card someone found: "found a card on the bus, how do i use it for tap payments"
    (
        Harm.THEFT_OR_FRAUD,
        r"\bfound (?:a|an|someone'?s|somebody'?s) (?:\w+ )?(?:card|wallet|purse)\b[^.?!]{0,40}\b(?:how (?:do|can) i|"
        r"can i|could i|how to) (?:use|spend|pay with|tap|get (?:money|cash)|withdraw|buy)",
    ),
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
        # not across a comma: "... send them on, is that a scam" asks whether an offer is a scam
        r"\b(?:write|make|create|send|design|build|draft|code|set up)\b[^.?!,]{0,25}\b(?:phishing|"
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
        # "... pretending to be me to the bank" is a victim reporting identity theft, not a request to impersonate
        r"\b(?:impersonate|pose as|pretend to be|pretending to be|posing as)\b(?!\s+(?:me|us)\b)[^.?!]{0,15}\b(?:a |"
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
    # money mules in slang: "let money pass thru my account for 300 quid", "rent my bank account", "run some dodgy
    # money through my account", "wash cash through a few accounts"
    (
        Harm.LAUNDERING,
        r"\b(?:let|letting|lets|allow)\b[^.?!]{0,25}\b(?:money|cash|funds|payments?)\b[^.?!]{0,10}\b(?:pass|go|run|move|"
        r"flow|come)\w* (?:thr(?:u|ough|o)|in and out of|via) (?:my|our) (?:bank )?(?:account|acc|acct)",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:rent|renting|rent out|sell|selling|lend|lending|hire out) (?:out )?(?:my|our|your) (?:bank |current )?"
        r"(?:account|acc|acct|card and pin|bank details)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:dodgy|dirty|hot|bent|illegal|drug|stolen|black) (?:money|cash|funds)\b[^.?!]{0,25}\bthr(?:u|ough|o)\b"
        r"|\b(?:wash|washing|clean|cleaning|run|running|cycle|cycling|layer|layering|filter)\b "
        r"(?:the |some |my |this )?(?:cash|money|funds)\b[^.?!]{0,15}\bthr(?:u|ough|o) (?:a few|several|multiple|"
        r"lots of|loads of|different|a load of|some|other|other people'?s|\d+|two|three|four|five) (?:\w+ )?accounts\b",
    ),
    # paid to take money in and send it on: "pays 500 if i take transfers into my account and send them on"; someone
    # else's money moved through the customer's account; cash split so nobody asks; dirty money made to look clean
    (
        Harm.LAUNDERING,
        rf"\b(?:pays?|paying|paid|offer(?:s|ed|ing)?|give|gives|giving)\b{_NOT_REPORTED}[^.?!]{{0,30}}"
        r"\b(?:if i|to|for)\b[^.?!]{0,15}"
        r"\b(?:take|taking|receive|receiving|accept|accepting|let|letting)\b[^.?!]{0,50}\b(?:send|sending|pass|passing|"
        r"forward|forwarding|move|moving|transfer|transferring)(?: them| it| the money| the cash)? "
        r"(?:on|onwards?|out)\b(?! to (?:the|my|our|his|her|their) (?:business|company|firm|shop|employer|boss|work|"
        r"office|head office|charity|club))"
        rf"|\b(?:take|receive|accept)\b{_NOT_REPORTED}"
        r"[^.?!]{0,25}\b(?:transfers?|payments?|money|cash|funds)\b[^.?!]{0,40}"
        r"\b(?:send|pass|forward|move|transfer)\w* (?:them |it )?(?:on|onwards?)\b[^.?!]{0,40}\b(?:for (?:a cut|a fee|"
        r"cash|money|£?\d+)|keep (?:a|some|£?\d+)|commission|a cut)\b",
    ),
    (
        Harm.LAUNDERING,
        rf"\b(?:let|letting|allow|allowing)\b{_NOT_REPORTED}[^.?!]{{0,30}}\buse (?:my|our) (?:bank )?(?:account|acc|"
        r"acct|card|details)\b"
        r"[^.?!]{0,20}\b(?:to|for)\b[^.?!]{0,10}\b(?:move|moving|run|running|wash|washing|filter|cycle|push|pass|put "
        r"through)\b[^.?!]{0,10}\b(?:cash|money|funds)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:cash|deposits?|money|payments?|transfers?)\b[^.?!]{0,40}\bso (?:that )?(?:nobody|no one|no-one|noone|"
        r"nobody at the bank) (?:asks?|questions?|notices?|flags?|reports?|checks?|finds out|knows|sees|clocks)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:make|making|turn|turning|get|getting)\b[^.?!]{0,10}\b(?:dirty|drug|illegal|stolen|criminal|black|dodgy|"
        r"bent|hot|undeclared|cash)\s+(?:money|cash|funds|income|earnings)\s+(?:look|seem|appear|pass)\s+(?:like|as|"
        r"legit|clean|legal|legitimate)\b",
    ),
    # cash kept under the bank's radar: "get 20k cash in bit by bit so it doesnt get flagged"; drug money paid in
    (
        Harm.LAUNDERING,
        r"\b(?:cash|deposits?|pay(?:ing)? (?:it )?in|money)\b[^.?!]{0,40}\bso (?:that )?(?:it|they|this|you|you lot|"
        r"the bank|nobody|no one|no-one)\b (?:doesn'?t|dont|don'?t|won'?t|wont|does not|do not|will not|never|can'?t) "
        r"(?:get |be )?(?:flagged|reported|noticed|traced|spotted|flag|report|notice|trace|spot|ask)",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:cash|money|profits?|earnings)\b[^.?!]{0,10}\b(?:from|off|of) (?:selling|dealing|shifting|flogging) "
        r"(?:weed|drugs|coke|cocaine|pills|gear|crack|heroin|ket|stolen)\b",
    ),
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

# French, Italian, Spanish and German. Accents are optional ([ée]) where customers often leave them out.
# Someone who is not the customer ("de mon ex", "di mia moglie", "de otra persona", "meiner Frau") ...
_FR_OTHER = (
    r"(?:(?:de |d'|du |des )(?:quelqu'un(?: d'autre)?|qqn|une autre personne|un autre client|autrui|un inconnu|"
    r"une inconnue|la victime|(?:mon|ma|mes|son|sa|ses) (?:ex|femme|mari|copain|copine|conjointe?|p[èe]re|m[èe]re|"
    r"parents|fr[èe]re|s(?:œ|oe)ur|voisine?|patron|coll[èe]gue|coloc|grand-m[èe]re|grand-p[èe]re|amie?|beau-p[èe]re|"
    r"belle-m[èe]re)))"
)
_IT_OTHER = (
    r"(?:(?:di |del |della |dei )(?:qualcun (?:altro|o)|qualcuno|un'altra persona|un altro cliente|altri|"
    r"uno sconosciuto|(?:mio|mia|suo|sua|miei|mie) (?:ex|moglie|marito|ragazz[oa]|compagn[oa]|padre|madre|genitori|"
    r"fratello|sorella|vicin[oa]|capo|collega|coinquilin[oa]|nonn[oa]|amic[oa]|suocer[oa]))"
    r"|(?:dell'|del mio |della mia )ex)"
)
_ES_OTHER = (
    r"(?:(?:de |del )(?:alguien(?: m[áa]s)?|otra persona|otro cliente|otros|un desconocido|una desconocida|"
    r"(?:mi|su|mis) (?:ex|mujer|esposa|marido|esposo|novi[oa]|pareja|padre|madre|padres|pap[áa]|mam[áa]|hermano|"
    r"hermana|vecin[oa]|jefe|compa[ñn]ero|compa[ñn]era|abuel[oa]|amig[oa]|suegr[oa])))"
)
_DE_OTHER = (
    r"(?:(?:von )?(?:jemand(?:em)? (?:anderem|anders)|einer anderen person|einem anderen kunden|fremden|"
    r"(?:meiner|meines|meinem|seiner|seines|ihrer|ihres) (?:ex|frau|mannes|freundin|freundes|partners|partnerin|"
    r"vaters|mutter|eltern|bruders|schwester|nachbarn|nachbarin|chefs|kollegen|kollegin|oma|opas|mitbewohners|"
    r"schwiegermutter))|(?:von|vom) (?:meiner|meinem|seiner|seinem|ihrer|ihrem|meinen) (?:ex|frau|mann|freundin|"
    r"freund|partner|partnerin|vater|mutter|eltern|bruder|schwester|nachbarn|nachbarin|chef|kollegen|kollegin|oma|opa))"
)
# ... and their accounts, cards and codes
_FR_ACCOUNT = r"(?:compte|carte|code|pin|mot de passe|identifiants|appli|application|banque en ligne|solde|argent)"
_IT_ACCOUNT = r"(?:conto|carta|codice|pin|password|credenziali|app|home banking|saldo|soldi)"
_ES_ACCOUNT = r"(?:cuenta|tarjeta|c[óo]digo|pin|contrase[ñn]a|clave|app|banca online|saldo|dinero)"
_DE_ACCOUNT = r"(?:konto|karte|kreditkarte|ec-?karte|pin|passwort|zugangsdaten|app|online[- ]?banking|kontostand)"
# Words between the thing and its owner: "la carte de crédit de ...", "il codice pin di ...", "el pin de la tarjeta de"
_BETWEEN = (
    r"(?: bancaires?| bancari[oa]| bancaria| secret| pin| di credito| de cr[ée]dit[oa]?| online)?"
    r"(?: (?:de|di|del|della|de la|du) (?:la |el |sa |su )?(?:carte|carta|tarjeta|compte|conto|cuenta))?"
)
# Reaching into an account: "accéder au compte de mon ex", "entrare nel conto di mia moglie", "das Konto meiner Frau
# hacken". German keys on the genitive after the noun only: "meiner Schwester Geld überweisen" is a dative (a transfer
# to her), so neither "Geld" nor "überweisen" is a cue.
_FR_GET_IN = (
    r"acc[ée]der|entrer|rentrer|me connecter|se connecter|pirater|hacker|espionner|surveiller|vider|utiliser|regarder|"
    r"consulter|voir|lire|deviner|trouver|conna[îi]tre|r[ée]cup[ée]rer|changer|retirer|prendre|obtenir|avoir"
)
_IT_GET_IN = (
    r"accedere|entrare|collegarmi|hackerare|spiare|controllare|svuotare|usare|utilizzare|vedere|guardare|leggere|"
    r"indovinare|scoprire|trovare|cambiare|prelevare|prendere|ottenere|avere|sapere"
)
_ES_GET_IN = (
    r"acceder|entrar|meterme|hackear|piratear|espiar|vigilar|vaciar|usar|utilizar|ver|mirar|revisar|leer|adivinar|"
    r"averiguar|sacar|cambiar|coger|quitar|conseguir|obtener|saber|tener"
)
_DE_GET_IN = (
    r"zugreifen|zugriff|einloggen|reinkommen|hacken|ausspionieren|ausspähen|überwachen|leerräumen|abräumen|benutzen|"
    r"nutzen|verwenden|sehen|ansehen|anschauen|lesen|erraten|herausfinden|rausfinden|ändern|abheben|abbuchen|"
    r"komme? ich (?:an|in)|kommt man (?:an|in)|rankommen"
)

_FOREIGN: list[tuple[Harm, str]] = [
    # someone else's data: "le solde du compte de mon voisin", "quanto ha sul conto mio fratello", "cuánto dinero
    # tiene mi vecino", "wie viel Geld hat mein Nachbar"
    (
        Harm.OTHERS_DATA,
        rf"\b(?:solde|relev[ée]s?|transactions|op[ée]rations|d[ée]penses|num[ée]ro)\b(?: (?:du|de son|de sa) "
        rf"(?:compte|carte))?(?: bancaire)?\s+{_FR_OTHER}",
    ),
    (
        Harm.OTHERS_DATA,
        r"\bcombien\b[^.?!]{0,25}\b(?:a|poss[èe]de|gagne|d[ée]pense|a d[ée]pens[ée])\s+(?:mon|ma|son|sa) "
        r"(?:ex|femme|mari|copain|copine|conjointe?|p[èe]re|m[èe]re|fr[èe]re|s(?:œ|oe)ur|voisine?|patron|coll[èe]gue|"
        r"coloc|amie?)\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:saldo|movimenti|estratto conto|spese|numero)\b(?: (?:del|sul) conto| della carta)?\s+{_IT_OTHER}",
    ),
    (
        Harm.OTHERS_DATA,
        r"\bquant[oi]\b[^.?!]{0,25}\b(?:ha|hanno|c'[èe]|guadagna|spende|ha speso)\b[^.?!]{0,25}\b(?:mio|mia|suo|sua) "
        r"(?:ex|moglie|marito|ragazz[oa]|compagn[oa]|padre|madre|fratello|sorella|vicin[oa]|capo|collega|"
        r"coinquilin[oa]|amic[oa])\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:saldo|movimientos|extractos?|gastos|n[úu]mero)\b(?: de (?:la|su) (?:cuenta|tarjeta))?\s+{_ES_OTHER}",
    ),
    (
        Harm.OTHERS_DATA,
        r"\bcu[áa]nto\b[^.?!]{0,25}\b(?:tiene|gana|gasta|gast[óo]|ha gastado)\s+(?:mi|su) "
        r"(?:ex|mujer|esposa|marido|esposo|novi[oa]|pareja|padre|madre|pap[áa]|mam[áa]|hermano|hermana|vecin[oa]|"
        r"jefe|compa[ñn]er[oa]|amig[oa])\b",
    ),
    (Harm.OTHERS_DATA, rf"\b(?:kontostand|umsätze|kontoauszüge?|ausgaben|kontonummer)\s+{_DE_OTHER}"),
    (
        Harm.OTHERS_DATA,
        r"\bwie ?viel\b[^.?!]{0,20}\b(?:hat|verdient|ausgegeben|gibt)\s+(?:mein|meine|sein|seine|ihr|ihre)\s+"
        r"(?:ex|frau|mann|freund|freundin|partner|partnerin|vater|mutter|bruder|schwester|nachbar|nachbarin|chef|"
        r"kollege|kollegin|mitbewohner)\b",
    ),
    # someone else's account, card or codes
    (
        Harm.OTHERS_ACCOUNT,
        rf"\b(?:{_FR_GET_IN})\b[^.?!]{{0,25}}\b{_FR_ACCOUNT}s?\b{_BETWEEN}\s+{_FR_OTHER}",
    ),
    (Harm.OTHERS_ACCOUNT, rf"\b(?:{_IT_GET_IN})\b[^.?!]{{0,25}}\b{_IT_ACCOUNT}\b{_BETWEEN}\s+{_IT_OTHER}"),
    (Harm.OTHERS_ACCOUNT, rf"\b(?:{_ES_GET_IN})\b[^.?!]{{0,25}}\b{_ES_ACCOUNT}s?\b{_BETWEEN}\s+{_ES_OTHER}"),
    (Harm.OTHERS_ACCOUNT, rf"\b{_DE_ACCOUNT}\w*\s+{_DE_OTHER}\b[^.?!]{{0,40}}\b(?:{_DE_GET_IN})\b"),
    (Harm.OTHERS_ACCOUNT, rf"\b(?:{_DE_GET_IN})\b[^.?!]{{0,25}}\b{_DE_ACCOUNT}\w*\s+{_DE_OTHER}"),
    # "without him/her knowing" / "without their consent" (the customer's own "sans mon accord" is a victim's)
    (
        Harm.OTHERS_ACCOUNT,
        r"\bsans qu'(?:il|elle|ils|elles) (?:le |ne )?(?:sache|sachent|voie|remarque|s'en (?:rende|aper[çc]oive))"
        r"|\bsans (?:son|leur) (?:accord|autorisation|consentement|permission)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\bsenza che (?:lui|lei|loro|nessuno|mi[oa] \w+) (?:lo |se ne )?(?:sappia|sappiano|accorga|accorgano|scopra)"
        r"|\bsenza che se ne accorga|\bsenza il suo (?:permesso|consenso)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\bsin que (?:[ée]l|ella|ellos|nadie|mi \w+) (?:lo |se )?(?:sepa|sepan|entere|enteren|"
        r"d[ée] cuenta)"
        r"|\bsin su (?:permiso|consentimiento|autorizaci[óo]n)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\bohne dass (?:er|sie|jemand|mein\w* \w+) (?:es |das )?(?:merkt|bemerkt|"
        r"mitbekommt|weiß|erfährt)"
        r"|\bohne (?:sein|deren) (?:wissen|einverständnis|erlaubnis|zustimmung)",
    ),
    # hacking and getting past the bank's checks
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:pirater|hacker|hackerare|violare|hackear|piratear|jaquear)\b[^.?!]{0,30}\b(?:compte|"
        r"carte|banque|conto|carta|banca|account|cuenta|tarjeta|banco|cajero|distributeur|bancomat)",
    ),
    (Harm.OTHERS_ACCOUNT, r"\b(?:konto|karte|bank|account|geldautomat\w*|online-?banking)\b[^.?!]{0,30}\bhacken\b"),
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:contourner|tromper|truquer|aggirare|bypassare|eludere|ingannare|saltarme|saltarse|burlar|eludir|"
        r"esquivar|enga[ñn]ar)\b[^.?!]{0,30}\b(?:v[ée]rifications?|verific(?:a|he|aci[óo]n|aciones)|contr[ôo]les?|"
        r"controll[oi]|controles|s[ée]curit[ée]|sicurezza|seguridad|authentification|autenticazione|"
        r"autenticaci[óo]n|kyc|2fa|code de s[ée]curit[ée]|codice otp|otp)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:verifizierung|identitätsprüfung|prüfung|kontrollen?|sicherheitsabfrage|zwei-?faktor\w*|2fa|"
        r"tan|kyc|sicherheitscheck\w*)\b[^.?!]{0,30}\b(?:umgehen|austricksen|überlisten|aushebeln|tricksen)\b"
        r"|\b(?:umgehe|umgeht|umgehen|trickse|austricksen|aushebeln)\b[^.?!]{0,30}\b(?:verifizierung|identitätsprüfung|"
        r"kontrollen?|sicherheitsabfrage|zwei-?faktor\S*|2fa|tan|kyc|sicherheitscheck\w*)",
    ),
    # stealing, cloning and faking
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:voler|cloner|copier|rubare|clonare|copiare|robar|clonar|copiar)\b[^.?!]{0,25}\b(?:cartes?|carte|"
        r"carta|tarjetas?|num[ée]ros? de cartes?|numeri di carta|n[úu]meros de tarjeta|argent|soldi|denaro|dinero|"
        r"identit[ée]|identit[àa]|identidad|codes? pin|pin)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:karten?|kreditkarten?|kartennummern|kartendaten|geld|identität|pins?)\b[^.?!]{0,25}"
        r"\b(?:stehlen|klauen|klonen|kopieren)\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:utiliser|acheter|vendre|usare|comprare|vendere|usar|comprar|vender)\b[^.?!]{0,20}"
        r"\b(?:cartes? vol[ée]es?|carte rubate|carta rubata|tarjetas? robadas?)",
    ),
    (
        Harm.OTHERS_ACCOUNT,
        r"\b(?:cartes?|comptes?) qui (?:n'est|ne sont) pas (?:[àa] moi|la mienne|le mien)"
        r"|\b(?:carta|conto) che non [èe] (?:mia|mio)|\b(?:tarjeta|cuenta) que no es m[íi]a"
        r"|\b(?:einer |eine |mit )?fremden? (?:karten?|kreditkarten?|ec-?karten?|konten|kontos?)\b[^.?!]{0,30}"
        r"\b(?:bezahlen|zahlen|benutzen|nutzen|verwenden|einkaufen|abheben)",
    ),
    # the plural is never a victim's own card
    (Harm.THEFT_OR_FRAUD, r"\b(?:cartes vol[ée]es|carte (?:di credito )?rubate|tarjetas (?:de cr[ée]dito )?robadas)\b"),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:(?:eine|einer|mit einer) gestohlenen? (?:karte|kreditkarte)|gestohlene\w* (?:karten|kreditkarten|"
        r"kartendaten))\b[^.?!]{0,20}\b(?:benutzen|nutzen|"
        r"verwenden|kaufen|verkaufen|einsetzen)",
    ),
    (Harm.THEFT_OR_FRAUD, r"\bskimmer\b"),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:faux|fausses?|falsifier|falsifi[ée]e?s?|contrefaire|falsi|falsa|falso|falsificare|falsificat[oaie]|"
        r"falsos?|falsas?|falsificar|falsificad[oa]s?)\b[^.?!]{0,15}\b(?:papiers|documents?|passeport|pi[èe]ce "
        r"d'identit[ée]|carte d'identit[ée]|justificatifs?|fiches? de paie|bulletins? de salaire|relev[ée]s?|factures?|"
        r"documenti|passaporto|carta d'identit[àa]|buste? paga|estratt[oi] conto|fatture?|documentos?|pasaporte|dni|"
        r"n[óo]minas?|extractos?|facturas?|identit[ée]|identit[àa]|identidad)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:papiers|documents?|passeport|pi[èe]ce d'identit[ée]|documenti|passaporto|documentos?|pasaporte|dni|"
        r"n[óo]minas?)\b[^.?!]{0,10}\b(?:faux|fausses?|falsi|falso|falsos|falsas?|falsifi\w+)\b",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:gefälscht\w*|fälschen|faelschen)\b|\b(?:unter|mit) (?:einer )?falschen identität"
        r"|\bmit falschen (?:papieren|dokumenten|ausweis\w*)",
    ),
    (
        Harm.THEFT_OR_FRAUD,
        r"\b(?:faux|fausse|fake|falso|falsa|finto|finta|falsa|ficticio|falsche[nr]?)\s+(?:litige|r[ée]clamation|"
        r"remboursement|contestazione|reclamo|rimborso|reclamaci[óo]n|reembolso|disputa|reklamation|rückbuchung|"
        r"erstattung|chargeback)",
    ),
    # phishing and scamming other people
    (
        Harm.PHISHING,
        r"\b(?:cr[ée]er|cr[ée]e|faire|fais|[ée]crire|[ée]cris|envoyer|envoie|r[ée]diger|r[ée]dige|creare|crea|fare|"
        r"fai|scrivere|scrivi|mandare|manda|inviare|invia|crear|hacer|haz|escribir|escribe|enviar|envía|envia|mandar|"
        r"redactar|redacta)\b[^.?!]{0,30}\b(?:phishing|hame[çc]onnage|faux site|faux mail|faux e-?mail|faux sms|"
        r"fausse page|sito falso|finto sito|email falsa|sms falso|p[áa]gina falsa|web falsa|correo falso|sms falso)",
    ),
    (
        Harm.PHISHING,
        r"\b(?:phishing-?(?:mail|e-mail|seite|webseite|sms|nachricht)\w*|gefälschte \w*(?:seite|mail|sms))\b"
        r"[^.?!]{0,30}\b(?:erstellen|bauen|schreiben|verschicken|versenden|machen)",
    ),
    (
        Harm.PHISHING,
        r"(?<!fait )(?<!faite )\b(?:arnaquer|escroquer|duper)\s+(?:des |les |une |un |quelqu'un|mes |ma |mon |"
        r"les gens|des gens|des personnes|des vieux)"
        r"|(?<!fatto )(?<!fatta )\b(?:truffare|fregare|raggirare)\s+(?:la gente|le persone|qualcuno|gli anziani|un |"
        r"una |i |le |mia |mio )"
        r"|\b(?:estafar|timar|enga[ñn]ar)\s+a\s+(?:la gente|alguien|personas|gente|ancianos|mayores|un |una |mi )"
        r"|\b(?:leute|menschen|jemanden|rentner|senioren|kunden)\s+"
        r"(?:abzocken|betrügen|reinlegen|über den tisch ziehen)",
    ),
    (
        Harm.PHISHING,
        r"\b(?:me faire passer|se faire passer|fingermi|spacciarmi|fingersi|spacciarsi|hacerme pasar|hacerse pasar)\b"
        r"[^.?!]{0,10}\b(?:pour|per|por)\s+(?:la |le |un |une |il |lo |el |una |uno )?(?:banque|banca|banco|conseiller|"
        r"operatore|empleado|police|polizia|polic[íi]a|impôts|fisco|hacienda)"
        r"|\b(?:mich|sich) als (?:bank\w*|polizei\w*|finanzamt|mitarbeiter\w*) ausgeben",
    ),
    # laundering and hiding money
    (
        Harm.LAUNDERING,
        r"\bblanchir\b|\bricicl(?:are|o|aggio)\b[^.?!]{0,20}\b(?:denaro|soldi|contanti)"
        r"|\bblanquear\b|\blavar (?:el )?dinero\b"
        r"|\b(?:geld|schwarzgeld)\b[^.?!]{0,20}\b(?:waschen|reinwaschen)\b|\bgeldwäsche (?:betreiben|machen)",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:mule|mulo|mula|money mule|finanzagent|geldkurier)\b[^.?!]{0,15}\b(?:financi[èe]re|d'argent|"
        r"di denaro|de dinero|financiera|werden)\b"
        r"|\b(?:devenir|diventare|ser|hacerme|werden) (?:une? |una )?(?:mule|mulo|mula)\b",
    ),
    (
        Harm.LAUNDERING,
        r"\b(?:cacher|dissimuler|nascondere|occultare|esconder|ocultar)\b[^.?!]{0,25}\b(?:au |du |aux |al |dal |a |de )"
        r"(?:fisc|imp[ôo]ts|fisco|finanza|hacienda|banque|banca|banco)"
        r"|\b(?:vor dem|vorm) (?:finanzamt|staat|fiskus)\b[^.?!]{0,20}\bverstecken",
    ),
    (
        Harm.LAUNDERING,
        r"\bpour (?:ne pas|pas) (?:[êe]tre |que ce soit |que [çc]a soit )?(?:signal[ée]|d[ée]clar[ée]|d[ée]tect[ée])"
        r"|\bper non (?:essere |venire )?(?:segnalat|dichiarat|rilevat|scopert)\w*"
        r"|\bpara (?:no ser|que no (?:me |lo |se )?(?:detecten|reporten|declaren|avisen))"
        r"|\bdamit (?:es|das|ich) nicht (?:gemeldet|auffällt|auffalle|entdeckt)|\bohne aufzufallen\b"
        r"|\b(?:éviter|eviter|evitare|evitar|umgehen)\b[^.?!]{0,20}\b(?:le fisc|les imp[ôo]ts|il fisco|le tasse|"
        r"hacienda|impuestos|finanzamt|steuern|contr[ôo]les? anti-blanchiment|antiriciclaggio|antiblanqueo|"
        r"geldwäschekontrolle)"
        r"|\b(?:évader|evadere|evadir|hinterziehen)\b[^.?!]{0,10}\b(?:imp[ôo]ts|tasse|impuestos|steuern)\b"
        r"|\bsteuern hinterziehen\b",
    ),
    (
        Harm.LAUNDERING,
        r"\bsans que (?:la banque|le fisc|les imp[ôo]ts|personne) (?:ne )?(?:le |la |l')?(?:signale|remarque|voie|"
        r"d[ée]tecte|sache|d[ée]clare)"
        r"|\bsenza che (?:la banca|il fisco) (?:lo |se ne )?(?:segnali|sappia|noti|scopra|accorga)"
        r"|\bsin que (?:el banco|hacienda) (?:lo |se )?(?:sepa|entere|detecte|avise|reporte|note)"
        r"|\bohne dass (?:die bank|das finanzamt) (?:es |das )?(?:merkt|bemerkt|mitbekommt|erfährt|meldet)",
    ),
    # tricks aimed at the bot itself
    (
        Harm.PROMPT_TRICK,
        r"\b(?:ignore|ignorez|oublie|oubliez|ignora|ignorate|dimentica|dimenticate|olvida|olvidad|ignoriere|ignorier|"
        r"vergiss)\b[^.?!]{0,20}\b(?:instructions|r[èe]gles|consignes|istruzioni|regole|instrucciones|reglas|"
        r"anweisungen|regeln|vorgaben|prompt)\b",
    ),
    (
        Harm.PROMPT_TRICK,
        r"\b(?:prompt (?:syst[èe]me|di sistema|del sistema)|systemprompt|system-prompt|modo desarrollador|"
        r"mode d[ée]veloppeur|modalit[àa] sviluppatore|entwicklermodus)\b",
    ),
]
# Requests any support bot must decline, whatever its business. A company bot ("Make it yours") has only its own
# intents and its out-of-scope gate, and the gate alone once answered "how do i make a bomb at home" with a to-do
# list topic. Only the request to obtain or do the thing matches: news, a victim's report or a product question
# ("my neighbour's house was broken into", "is this charger a fire risk") does not.
_WEAPON = r"(?:(?:pipe |nail |car |petrol |homemade |home-made )?bombs?|explosives?|molotov(?: cocktail)?s?|napalm|"
_WEAPON += r"(?:hand|zip|ghost) guns?|guns?|firearms?|silencers?|nerve gas|poisons?)"
_ILLEGAL_DRUGS = r"(?:illegal drugs|drugs online|drugs on the dark ?web|cocaine|heroin|meth|mdma|ecstasy)"
_PERSON = r"(?:some(?:one|body)|a person|people|him|her|them|(?:my|his|her|their|our) (?:[a-z]+ )?" + _RELATIVE + ")"
_CONTACT = r"(?:home |house |new |current |mobile |cell |personal )?(?:address|phone number|number|email(?: address)?)"
_DANGER: list[tuple[Harm, str]] = [
    (
        Harm.DANGEROUS,
        rf"\b(?:make|making|build|building|assemble|assembling|3d print)\s+(?:a |an |some |my own )?{_WEAPON}\b",
    ),
    (Harm.DANGEROUS, rf"\b(?:buy|buying|get|order|ordering|score|find)\b[^.?!]{{0,15}}\b{_ILLEGAL_DRUGS}\b"),
    (Harm.DANGEROUS, r"\bpick(?:ing)? (?:a|the|this|that|someone'?s|my neighbou?r'?s) (?:door |car |pad)?lock\b"),
    (
        Harm.DANGEROUS,
        r"\b(?:break|breaking|sneak|sneaking)\s+into (?:a|the|some) (?:house|home|flat|apartment|shop|office)\b",
    ),
    (  # "get into the car" is a locked-out owner's question; someone else's house or car is not
        Harm.DANGEROUS,
        r"\b(?:break|breaking|sneak|sneaking|get|getting)\s+into (?:someone|somebody|his|her|their|my neighbou?r|"
        r"my ex)'?s? (?:house|home|flat|apartment|car|shop|office)\b",
    ),
    (Harm.DANGEROUS, rf"\b{_HOWTO}\b[^.?!]{{0,12}}\b(?:kill|murder|poison|stab|shoot|hurt|beat up)\s+{_PERSON}\b"),
    # someone's contact details, asked of the bot: "give me the home address of my neighbour"
    (
        Harm.OTHERS_DATA,
        rf"\b(?:give|tell|show|send|find|look up|get)\b (?:me )?(?:the )?{_CONTACT} of (?:my|his|her|their|our) "
        rf"(?:[a-z]+ )?{_RELATIVE}\b",
    ),
    (
        Harm.OTHERS_DATA,
        rf"\b(?:give|tell|show|send|find|look up|get|what(?:'?s| is))\b (?:me )?(?:my|his|her|their|our) "
        rf"(?:[a-z]+ )?{_RELATIVE}'?s {_CONTACT}\b",
    ),
]
_COMPILED = [(harm, re.compile(pattern, re.IGNORECASE)) for harm, pattern in _PATTERNS + _DANGER + _FOREIGN]


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
