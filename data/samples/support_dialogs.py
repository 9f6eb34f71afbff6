"""Support preset: polite dialogs (sft, bedrock-conversation-2024) and ranked pairs (reward/dpo).

Dialogs alternate user/assistant, start with the user and end with the assistant; some carry a
customer's name, e-mail, phone or order number. In every ranked pair the chosen reply thanks the
customer, apologises and gives three concrete steps; the rejected one is dismissive or unsafe
(asks for a password or card code, tells the customer to disable protection), so the
preference is learnable from the text alone.
"""

from __future__ import annotations

import random

from support_topics import TOPICS, Topic, slots, steps

BRANDS = ("Nimbus Home Internet", "BrightCart", "Parcelly", "Hearthware", "Orbit Electronics")
POLICIES = (
    "Never ask for a customer's password or full card number.",
    "Be concise and give clear, numbered steps when you can.",
    "Offer to escalate when you cannot solve the issue yourself.",
    "Always confirm what you changed on the customer's account.",
)
GREETINGS = ("Hi,", "Hello,", "Good morning,", "Hi there,", "Hey,", "")
THANKS = (
    "Thank you for contacting us{to}.", "Thanks for reaching out{to}.",
    "Thank you for getting in touch{to}.", "Thanks for letting us know{to}.",
    "Thank you for your message{to}.", "Thanks for your patience{to}.",
)  # fmt: skip
CLOSERS_USER = ("Thanks, that's everything.", "Great, thank you!", "Perfect, that worked.",
                "Thanks for your help.")  # fmt: skip
CLOSERS_AGENT = (
    "You're welcome{to}! Have a lovely day.", "Glad I could help{to}. Take care!",
    "My pleasure{to}. Don't hesitate to write again if anything else comes up.",
)  # fmt: skip
OFFERS = (
    "Is there anything else I can help with?",
    "Let me know if anything is unclear.",
    "I'm here if you need anything else.",
    "Just reply here if you have more questions.",
    "Feel free to write back if that doesn't solve it.",
    "Happy to help further if needed.",
)
SORRY = ("I'm sorry", "I'm really sorry", "I'm very sorry", "We're sorry", "I'm so sorry")
LEADS = (" Here is what to do:", " Here are the next steps:", " Let's get this sorted.",
         " This should help:", "")  # fmt: skip
UNSAFE = (
    "Just send me your account password and I'll sort it out.",
    "Read me the three-digit code on the back of your card and I'll look.",
    "Disable your antivirus permanently; it usually solves everything.",
)


def _ask(rng: random.Random, topic: Topic, fill: dict[str, str], introduce: bool) -> str:
    greeting = rng.choice(GREETINGS)
    ask = rng.choice(topic.asks).format(**fill)
    if introduce:
        ask = f"my name is {fill['name']}. {_capital(ask)}"
    return f"{greeting} {ask}" if greeting else _capital(ask)


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def _helpful(rng: random.Random, topic: Topic, fill: dict[str, str], name: bool) -> str:
    to = f", {fill['first']}" if name else ""
    apology = topic.apology.format(**fill).replace("I'm sorry", rng.choice(SORRY), 1)
    opening = f"{rng.choice(THANKS).format(to=to)} {apology}.{rng.choice(LEADS)}"
    return f"{opening}\n{steps(rng, topic, fill)}\n{rng.choice(OFFERS)}"


def _turn(role: str, text: str) -> dict:
    return {"role": role, "content": [{"text": text}]}


def dialog(rng: random.Random) -> dict:
    topic, fill = rng.choice(TOPICS), slots(rng)
    named = rng.random() < 0.5
    messages = [
        _turn("user", _ask(rng, topic, fill, named)),
        _turn("assistant", _helpful(rng, topic, fill, named)),
    ]
    if rng.random() < 0.7:
        user, agent = rng.choice(topic.follow_ups)
        messages += [_turn("user", user.format(**fill)), _turn("assistant", agent.format(**fill))]
    if rng.random() < 0.5:
        to = f", {fill['first']}" if named else ""
        messages += [
            _turn("user", rng.choice(CLOSERS_USER)),
            _turn("assistant", rng.choice(CLOSERS_AGENT).format(to=to)),
        ]
    system = (f"You are a polite, helpful customer-support assistant for {rng.choice(BRANDS)}. "
              f"{' '.join(rng.sample(POLICIES, 2))}")  # fmt: skip
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": system}],
        "messages": messages,
    }


def ranking(rng: random.Random) -> dict[str, str]:
    topic, fill = rng.choice(TOPICS), slots(rng)
    if rng.random() < 0.3:
        rejected = rng.choice(UNSAFE)
    else:
        rejected = rng.choice(topic.dismissals).format(**fill)
    return {
        "prompt": _ask(rng, topic, fill, introduce=rng.random() < 0.3),
        "chosen": _helpful(rng, topic, fill, name=False),
        "rejected": rejected,
    }


def dialogs(rng: random.Random, count: int = 180) -> list[dict]:
    return [dialog(rng) for _ in range(count)]


def rankings(rng: random.Random, count: int = 200) -> list[dict[str, str]]:
    return [ranking(rng) for _ in range(count)]
