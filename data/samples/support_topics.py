"""Customer-support topics shared by the support dialogs and the ranked response pairs.

A topic holds what customers ask, the apology and the help steps a good agent gives, follow-up
exchanges, and the dismissive or unsafe replies a bad agent gives. Text has {slots} that
`slots()` fills with fake order numbers, products and contact details.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fake_identities import address, email, person, phone


@dataclass(frozen=True)
class Topic:
    asks: tuple[str, ...]
    apology: str
    steps: tuple[str, ...]
    follow_ups: tuple[tuple[str, str], ...]
    dismissals: tuple[str, ...]


TOPICS = (
    Topic(
        asks=("my order {order} still hasn't arrived, it was due on {day}.",
              "where is my order {order}? The tracking page hasn't changed since {day}.",
              "I ordered a {product} (order {order}) and it is late. Can you check it?"),
        apology="I'm sorry your order is running late",
        steps=("I checked order {order}: the carrier scanned it on {day} and now expects to "
               "deliver it within two working days.", "You can follow it live from the Orders "
               "page by selecting {order} and then Track parcel.", "If it has not arrived by "
               "Friday, reply here and I will send a replacement at no cost.", "I have added a "
               "note asking the carrier to leave it with a neighbour if you are out."),
        follow_ups=(("Can you send the tracking link to {email}?", "Of course. I've sent the "
                     "tracking link for {order} to {email}; it should arrive within a few "
                     "minutes."), ("Could the courier call me first on {phone}?", "Certainly. "
                     "I've added {phone} to the delivery instructions so the courier can call "
                     "ahead.")),
        dismissals=("Parcels are late sometimes. Just wait.", "Not our problem once it ships, "
                    "ask the courier.", "Check the tracking page yourself, it's all there."),
    ),
    Topic(
        asks=("the {product} I received is damaged and I'd like a refund.",
              "I returned a {product} two weeks ago and still haven't been refunded.",
              "I want my money back for order {order}, the {product} doesn't work."),
        apology="I'm sorry about the trouble with your {product}",
        steps=("Open Orders, choose {order} and select Return or refund.", "Print the prepaid "
               "label we e-mail you and drop the parcel at any post office.", "Once the return "
               "is scanned, the refund reaches your original payment method within 5 to 7 "
               "working days.", "If you'd rather keep it, I can offer a 20% partial refund "
               "instead."),
        follow_ups=(("Can the refund go to a different card?", "For security, refunds can only "
                     "go back to the original payment method, but I can confirm by e-mail once "
                     "it has been issued."), ("Please send the label to {email}.", "Done. The "
                     "prepaid return label for {order} is on its way to {email}.")),
        dismissals=("Refunds take as long as they take.", "You probably broke it yourself, so "
                    "no refund.", "Read the returns policy, I'm not going to explain it."),
    ),
    Topic(
        asks=("my {router} router keeps dropping the Wi-Fi connection every evening.",
              "the internet light on my {router} is blinking red and nothing loads.",
              "since {day} my {router} is really slow and video calls keep freezing."),
        apology="I'm sorry your connection has been unreliable",
        steps=("Unplug the {router} for 30 seconds, then plug it back in and wait until the "
               "light turns solid white.", "Check that the grey cable is firmly in the port "
               "marked WAN.", "Open the app, go to Settings and install the latest firmware "
               "update.", "Move the router off the floor and away from the microwave, which "
               "can interfere with 2.4 GHz Wi-Fi.", "If it still drops, I can run a line test "
               "from our side."),
        follow_ups=(("I did that and it's still dropping.", "Thank you for trying that. I've "
                     "run a line test and found a fault on the line; an engineer can visit "
                     "on {day}."), ("Can an engineer call me on {phone}?", "Certainly. I've "
                     "booked a call from an engineer to {phone} within 24 hours.")),
        dismissals=("Works fine on our end. It's your problem.", "Just buy a better router.",
                    "Turn off your firewall and antivirus for good, that always fixes it."),
    ),
    Topic(
        asks=("I can't log in, it says my password is wrong.", "I forgot my password and the "
              "reset e-mail never arrives.", "my account is locked after too many login "
              "attempts."),
        apology="I'm sorry you're locked out of your account",
        steps=("Go to the sign-in page and choose Forgot password.", "Enter the e-mail address "
               "on your account; the reset link is valid for 30 minutes.", "Check your spam "
               "folder if the message hasn't arrived within five minutes.", "Choose a new "
               "password of at least 12 characters that you don't use anywhere else.",
               "For your security, please never share your password with anyone, including "
               "us."),
        follow_ups=(("Can you send the reset link to {email}?", "I've sent a reset link to "
                     "{email}. It expires in 30 minutes."), ("Can you just tell me my old "
                     "password?", "I'm not able to see or share passwords, which keeps your "
                     "account safe, but the reset link will let you choose a new one.")),
        dismissals=("Just tell me your password and I'll log in for you.", "You should "
                    "remember your own password.", "Make another account then."),
    ),
    Topic(
        asks=("I need to change the delivery address for order {order}.", "I've moved house, "
              "can you send order {order} to {address} instead?", "the {product} is going to "
              "my old address, can you fix that?"),
        apology="I'm sorry for the inconvenience with your delivery address",
        steps=("Open Orders, choose {order} and select Change delivery address.", "The change "
               "is possible until the parcel leaves the warehouse, usually within 12 hours.",
               "I've updated order {order} to the new address and you'll receive a "
               "confirmation e-mail.", "Remember to update the default address in your "
               "account settings for future orders."),
        follow_ups=(("Will this delay the delivery?", "No, the delivery date for {order} stays "
                     "the same."), ("Please confirm by text to {phone}.", "Of course, a "
                     "confirmation text is on its way to {phone}.")),
        dismissals=("Too late, you should have entered it correctly.", "Addresses can't be "
                    "changed, deal with it.", "Go and pick it up from your old house."),
    ),
    Topic(
        asks=("I've been charged twice for order {order}.", "my card statement shows two "
              "payments of {amount} for the same {product}.", "why was I charged {amount} "
              "when I cancelled my order?"),
        apology="I'm sorry about the duplicate charge",
        steps=("I can see two payment authorisations for {order}; only one was captured.",
               "The second one is a temporary hold and drops off your statement within 3 to 5 "
               "working days.", "If it is still there after five days, send us a screenshot "
               "and I'll refund it immediately.", "I've added a note to your account so any "
               "colleague can see this."),
        follow_ups=(("Can you e-mail me a confirmation to {email}?", "Yes, I've sent a "
                     "confirmation of the single charge for {order} to {email}."),
                    ("Should I read you my card number?", "Please don't share card details in "
                     "chat. I can see everything I need from order {order}.")),
        dismissals=("The bank made the mistake, call them.", "Give me your full card number "
                    "and the code on the back and I'll check.", "It's only {amount}, relax."),
    ),
    Topic(
        asks=("I'd like to cancel my {plan} subscription.", "how do I stop the {plan} plan "
              "renewing next month?", "please cancel my {plan} membership, I no longer use "
              "it."),
        apology="I'm sorry to hear the {plan} plan isn't working out for you",
        steps=("Go to Account, then Subscriptions, and select Cancel {plan}.", "Your access "
               "continues until the end of the current billing period.", "You won't be "
               "charged again, and you'll get a confirmation e-mail.", "If you prefer, I can "
               "pause the subscription for up to three months instead."),
        follow_ups=(("Will I get a refund for this month?", "Because the month has started, "
                     "it isn't refunded, but you keep full access until it ends."),
                    ("Send the confirmation to {email}, please.", "Done, the cancellation "
                     "confirmation is on its way to {email}.")),
        dismissals=("You signed up, so you pay.", "Cancellation isn't something I handle.",
                    "Just block the payments at your bank."),
    ),
    Topic(
        asks=("my {product} stopped charging after three months.", "the left earbud of my "
              "{product} has no sound, is it under warranty?", "the screen of my {product} "
              "flickers; can it be repaired?"),
        apology="I'm sorry your {product} has developed a fault",
        steps=("Your {product} is covered by our two-year warranty.", "Try a different cable "
               "and power outlet to rule out the charger.", "Reset it by holding the power "
               "button for 15 seconds.", "If that doesn't help, I'll book a free repair and "
               "e-mail you a prepaid shipping label."),
        follow_ups=(("The reset didn't help.", "Thank you for trying. I've booked a free "
                     "warranty repair; the shipping label will reach your inbox shortly."),
                    ("Can you call me on {phone} to arrange it?", "Certainly, a colleague "
                     "will call you on {phone} today to arrange collection.")),
        dismissals=("It's probably water damage, not covered.", "Open it up and fix it "
                    "yourself.", "Warranty claims are a waste of time."),
    ),
)  # fmt: skip
PRODUCTS = (
    "wireless headphones", "smart kettle", "fitness tracker", "coffee grinder", "e-reader",
    "robot vacuum", "electric toothbrush", "bluetooth speaker", "smartwatch", "desk lamp",
    "tablet", "baby monitor", "air purifier", "action camera", "mechanical keyboard",
)  # fmt: skip
ROUTERS = ("Nimbus AX1800", "HomeLink R5", "Nimbus Mesh Duo", "FiberGate 300", "AirWave X2")
PLANS = ("Premium", "Family", "Student", "Pro Monthly", "Streaming Plus")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def slots(rng: random.Random) -> dict[str, str]:
    customer, where = person(rng), address(rng)
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return {
        "first": customer.first,
        "name": customer.full,
        "order": f"{letters}-{rng.randint(100000, 999999)}",
        "product": rng.choice(PRODUCTS),
        "router": rng.choice(ROUTERS),
        "plan": rng.choice(PLANS),
        "day": rng.choice(DAYS),
        "amount": f"${rng.randint(12, 480)}.{rng.randint(0, 99):02d}",
        "email": email(rng, customer),
        "phone": phone(rng, where.phone_style),
        "address": where.line,
    }


def steps(rng: random.Random, topic: Topic, fill: dict[str, str]) -> str:
    """Three help steps, numbered or as prose, so good answers always carry concrete actions."""
    picked = sorted(rng.sample(range(len(topic.steps)), 3))  # keep the steps' natural order
    chosen = [topic.steps[i].format(**fill) for i in picked]
    if rng.random() < 0.5:
        return "\n".join(f"{i}. {s}" for i, s in enumerate(chosen, 1))
    first, second, third = chosen
    return f"First, {_lower(first)} Next, {_lower(second)} Finally, {_lower(third)}"


def _lower(text: str) -> str:
    return text if text[:2] == "I " or text[:2] == "I'" else text[0].lower() + text[1:]
