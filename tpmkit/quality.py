"""Quality characteristics and security categories as data, with one-line errors for unknown names.

- ISO/IEC 25010:2023 (Systems and software Quality Requirements and Evaluation, SQuaRE: product
  quality model) has NINE product-quality characteristics. Against the 2011 edition: safety is new,
  usability is now "interaction capability" and portability is now "flexibility". Sub-characteristics
  changed too: scalability (under flexibility), resistance (security), inclusivity, self-descriptiveness,
  user assistance and user engagement (interaction capability) and faultlessness (reliability, was
  maturity).
  Safety (3.9 of the standard) is the product avoiding a state in which human life, health, property or
  the environment is endangered: an overheating card reader is a safety question; fraud, stolen money
  and leaked data are security.
- The OWASP Top 10, 2021 edition (owasp.org/Top10): the ten most critical web application
  security risk categories, A01 to A10. OWASP published a 2025 edition that renumbers and renames some
  categories, so an answer key must say which edition it uses: this kit pins 2021.

Names are matched without regard to case or extra spaces: `characteristic("Reliability")` and
`owasp_category("a3")` work. An old or unknown name is refused with one sentence saying what to use.
"""

from __future__ import annotations

import re

import pandas as pd

from tpmkit.errors import KitError

__all__ = ["CHARACTERISTICS", "OWASP_EDITION", "OWASP_TOP_10", "RENAMED_IN_2023", "characteristic",
           "owasp_category", "owasp_table", "quality_model"]

CHARACTERISTICS = ("functional suitability", "performance efficiency", "compatibility", "interaction capability",
                   "reliability", "security", "maintainability", "flexibility", "safety")
RENAMED_IN_2023 = {"usability": "interaction capability", "portability": "flexibility"}

_MODEL = {
    # characteristic: (sub-characteristics in 2023, the question it asks, name in 2011, a Tillpoint NFR)
    "functional suitability": (
        "completeness, correctness, appropriateness", "Does it do the right things, and do them correctly?",
        "functional suitability", "A refund never returns more than the original payment."),
    "performance efficiency": (
        "time behaviour, resource utilisation, capacity", "How fast, and with how much hardware, at what load?",
        "performance efficiency", "p95 checkout time under 800 ms at 2,000 requests per second."),
    "compatibility": (
        "co-existence, interoperability", "Does it work alongside, and exchange data with, other systems?",
        "compatibility", "Every night's sales reach the shop's accounting software with no manual step."),
    "interaction capability": (
        "appropriateness recognisability, learnability, operability, user error protection, user engagement, "
        "inclusivity, user assistance, self-descriptiveness", "Can the intended people use it well?",
        "usability", "9 in 10 new cashiers take a first payment within 5 minutes, untrained."),
    "reliability": (
        "faultlessness, availability, fault tolerance, recoverability",
        "Does it keep working, and come back when it fails?",
        "reliability", "99.95% of checkout requests succeed over any 30-day window."),
    "security": (
        "confidentiality, integrity, non-repudiation, accountability, authenticity, resistance",
        "Does each person or system get exactly the access they should, and no more?",
        "security", "A cashier's login can never issue a refund; every refund records who made it."),
    "maintainability": (
        "modularity, reusability, analysability, modifiability, testability",
        "How easily can the team change, test and reuse it?",
        "maintainability", "A VAT rate change ships within one working day, tests included."),
    "flexibility": (
        "adaptability, scalability, installability, replaceability",
        "Can it move to other environments, and grow or shrink with demand?",
        "portability", "The till app runs on Android 11 or later and iPadOS 16 or later."),
    "safety": (
        "operational constraint, risk identification, fail safe, hazard warning, safe integration",
        "Does it avoid endangering human life, health, property or the environment?",
        "(new in 2023)", "The card reader stops charging above 45 °C and says why on its screen."),
}

OWASP_EDITION = "2021"
OWASP_TOP_10 = {
    "A01": "Broken Access Control",
    "A02": "Cryptographic Failures",
    "A03": "Injection",
    "A04": "Insecure Design",
    "A05": "Security Misconfiguration",
    "A06": "Vulnerable and Outdated Components",
    "A07": "Identification and Authentication Failures",
    "A08": "Software and Data Integrity Failures",
    "A09": "Security Logging and Monitoring Failures",
    "A10": "Server-Side Request Forgery",
}
_OWASP_PLAIN = {
    # code: (what goes wrong, in plain words; a Tillpoint example)
    "A01": ("someone does what they should not be allowed to: authorisation is missing or wrong",
            "a logged-in shop reads another shop's sales by changing the shop id in the URL"),
    "A02": ("data is not protected by encryption, or by weak or badly used encryption",
            "card readers send payments over plain HTTP; backups are stored unencrypted"),
    "A03": ("text from a user is run as part of a query or command",
            "the receipt search pastes the search box into its SQL"),
    "A04": ("the design itself has no control for a risk, however well it is coded",
            "refunds have no limit and no second approval, so one stolen login can drain a shop"),
    "A05": ("settings are insecure: defaults left on, too much switched on, errors that say too much",
            "a storage bucket of receipts is public; error pages show stack traces"),
    "A06": ("a library or system in use has known holes, or is no longer supported",
            "the PDF library behind receipts has a published critical flaw and was last updated in 2019"),
    "A07": ("the system cannot be sure who someone is: authentication is weak or broken",
            "unlimited password guesses on the owner login; no second factor for staff admin"),
    "A08": ("code or data is trusted without checking where it came from or that it is intact",
            "the till app installs updates without checking their signature"),
    "A09": ("attacks are not recorded, or nobody is alerted when they happen",
            "failed logins and refused refunds are not logged, so a break-in goes unseen"),
    "A10": ("the server fetches a URL a user chose, and can be pointed at private systems",
            "the 'logo from a web address' feature fetches any URL, including internal ones"),
}


def _words(name) -> str:
    return re.sub(r"\s+", " ", name.replace("-", " ").replace("_", " ")).strip().lower()


def characteristic(name: str) -> str:
    """The ISO/IEC 25010:2023 characteristic called `name`, in the kit's spelling (lower case).

    The 2011 names are refused with the 2023 name to use instead.
    """
    if not isinstance(name, str):
        raise KitError(f"name must be text, such as 'reliability', not {name!r}.")
    key = _words(name)
    if key in CHARACTERISTICS:
        return key
    if key in RENAMED_IN_2023:
        raise KitError(f"'{name}' is the 2011 name: ISO/IEC 25010:2023 calls it '{RENAMED_IN_2023[key]}'.")
    raise KitError(f"'{name}' is not one of the nine ISO/IEC 25010:2023 characteristics: "
                   f"{', '.join(CHARACTERISTICS)}.")


def quality_model() -> pd.DataFrame:
    """ISO/IEC 25010:2023's nine characteristics: sub-characteristics, the question each asks, its 2011
    name, and a measurable Tillpoint requirement for each."""
    rows = [{"characteristic": name, "sub-characteristics": subs, "asks": asks, "2011 name": old,
             "a Tillpoint NFR": example} for name, (subs, asks, old, example) in _MODEL.items()]
    return pd.DataFrame(rows)


def owasp_category(code_or_name: str) -> str:
    """The OWASP Top 10:2021 code ('A01' ... 'A10') for a code ('A3', 'a03', 'A03:2021') or a category name."""
    if not isinstance(code_or_name, str):
        raise KitError(f"Give an OWASP code such as 'A01' or a category name as text, not {code_or_name!r}.")
    text = code_or_name.strip()
    match = re.fullmatch(r"[Aa]0?(\d{1,2})(?:\s*[:_-]\s*(\d{4}))?", text)
    if match:
        number, edition = int(match.group(1)), match.group(2)
        if edition and edition != OWASP_EDITION:
            raise KitError(f"'{text}' is from the {edition} edition; this kit uses the OWASP Top 10:{OWASP_EDITION}, "
                           "whose codes differ: give the 2021 code.")
        if 1 <= number <= 10:
            return f"A{number:02d}"
    names = {_words(name): code for code, name in OWASP_TOP_10.items()}
    if _words(text) in names:
        return names[_words(text)]
    raise KitError(f"'{text}' is not an OWASP Top 10:{OWASP_EDITION} category: use a code from A01 to A10, "
                   "or a name from owasp_table().")


def owasp_table() -> pd.DataFrame:
    """The OWASP Top 10:2021, one row per category: code, name, what goes wrong, and a Tillpoint example."""
    rows = [{"code": f"{code}:{OWASP_EDITION}", "category": name, "what goes wrong": _OWASP_PLAIN[code][0],
             "a Tillpoint example": _OWASP_PLAIN[code][1]} for code, name in OWASP_TOP_10.items()]
    return pd.DataFrame(rows)
