"""A small colloquial normaliser: how customers text, rewritten in the plain words the training questions use,
before Northwind's English encoder reads a message (``IntentModel.prepare``). Deterministic and word-level.

The lists come from general usage of UK/US customer English and texting (theft slang, money slang, contractions typed
without the apostrophe, texting shorthand, common misspellings), never from a probe message. The bot's answer quotes
nothing from the user, so the rewrite only changes what the encoder sees. A word with an everyday banking sense stays
as it is ("swiped" a card, "atm", "id", "its", "ill").
"""

from __future__ import annotations

import re

# whole words (lower case) -> plain words
WORDS = {
    # theft slang (the participle: "got nicked", "had my bag pinched")
    "nicked": "stolen",
    "pinched": "stolen",
    "nabbed": "stolen",
    "robbed": "stolen",
    # money slang
    "quid": "pounds",
    "tenner": "10 pounds",
    "fiver": "5 pounds",
    "dosh": "money",
    "skint": "out of money",
    "mate": "friend",
    "mates": "friends",
    "mate's": "friend's",
    "bloke": "man",
    # contractions typed without the apostrophe
    "aint": "isn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "hadnt": "hadn't",
    "wont": "won't",
    "wouldnt": "wouldn't",
    "cant": "can't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "theyre": "they're",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "wheres": "where's",
    "whys": "why's",
    "hows": "how's",
    "someones": "someone's",
    # texting shorthand
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "thx": "thanks",
    "thanx": "thanks",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "have to",
    "dunno": "don't know",
    "idk": "i don't know",
    "tho": "though",
    "thru": "through",
    "n": "and",
    "b4": "before",
    "2day": "today",
    "2moro": "tomorrow",
    "tmrw": "tomorrow",
    "msg": "message",
    "acc": "account",
    "acct": "account",
    "txn": "transaction",
    "defo": "definitely",
    "deffo": "definitely",
    "rn": "right now",
    "abt": "about",
    "ppl": "people",
    "smth": "something",
    "sth": "something",
    # common misspellings
    "recieve": "receive",
    "recieved": "received",
    "recieving": "receiving",
    "accidently": "accidentally",
    "definately": "definitely",
    "definatly": "definitely",
    "seperate": "separate",
    "adress": "address",
    "acount": "account",
    "accout": "account",
    "transfered": "transferred",
    "tranfer": "transfer",
    "trasnfer": "transfer",
    "transfre": "transfer",
    "paymnet": "payment",
    "payemnt": "payment",
    "withdrawl": "withdrawal",
    "withdrawel": "withdrawal",
    "widthdraw": "withdraw",
    "untill": "until",
    "occured": "occurred",
    "wierd": "weird",
    "beleive": "believe",
    "becuase": "because",
    "tommorow": "tomorrow",
    "tomorow": "tomorrow",
    "alot": "a lot",
    "pasword": "password",
    "verifiy": "verify",
    "buisness": "business",
    "cancle": "cancel",
    "cancled": "cancelled",
}

# phrases, applied first, in order (lower case, on word boundaries)
PHRASES = [
    # "someone swiped / nicked my wallet": the thief is the subject, so the verb is "stole"
    (r"\b(someone|somebody|some \w+|they|a thief|he|she)\s+(?:swiped|nicked|pinched|nabbed|robbed)\b", r"\1 stole"),
    # "... nicked my bag": a direct object follows, so the verb is "stole" ("swiped my card" is paying by card)
    (r"\b(?:nicked|pinched|nabbed)\s+(my|his|her|their|our|the|a)\b", r"stole \1"),
    (r"\b(got|been|was|were|get)\s+swiped\b", r"\1 stolen"),
    (r"\ba tenner\b", "10 pounds"),
    (r"\ba fiver\b", "5 pounds"),
    # cash machines, and a machine that "ate" the card
    (r"\b(?:cash ?point|hole in the wall|cash machine)\b", "atm"),
    (r"\b(?:cash ?points|holes in the wall|cash machines)\b", "atms"),
    (r"\b(ate|eaten|eats|eat)\s+(my|the)\s+card\b", r"swallowed \2 card"),
    (r"\bcard\s+(got|was|has been)\s+eaten\b", r"card \1 swallowed"),
]
_PHRASES = [(re.compile(p, re.IGNORECASE), r) for p, r in PHRASES]
_WORD = re.compile(r"[A-Za-z0-9']+")


def normalise_colloquial(text: str) -> str:
    """``text`` with the slang, shorthand and misspellings above in plain (lower-case) words; everything else
    (other words and their case, punctuation, numbers, word order) unchanged, so a message with none of them comes
    back as it was (the encoder is uncased)."""
    out = text
    for pattern, plain in _PHRASES:
        out = pattern.sub(lambda m, plain=plain: m.expand(plain).lower(), out)
    return _WORD.sub(lambda m: WORDS.get(m.group(0).lower(), m.group(0)), out)
