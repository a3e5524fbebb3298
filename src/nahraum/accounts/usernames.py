"""What makes two usernames "the same" to a person: normalisation and confusable skeletons.

Why two functions:

* :func:`normalise` is what the login throttle counts by. Django authenticates the NFKC form of the
  typed name (``AbstractBaseUser.normalize_username``), so ``ｓec`` (fullwidth s) logs into ``sec``;
  a throttle keyed by the raw string would count the two separately and let a guesser double
  their tries with every look-alike spelling. NFKC plus case folding covers every spelling that
  reaches the same account (and a few more, which only makes the throttle stricter).
* :func:`skeleton` is what registration compares by. ``dеmo-moderation`` with a Cyrillic ``е`` is a
  *different* account to Django, but the same name to a reader of a comment thread. Unicode's
  Technical Standard #39 defines the *skeleton* of a string: two strings are confusable exactly
  when their skeletons are equal. We refuse a new name whose skeleton (after NFKC and case
  folding, so ``Demo`` and ``demo`` collide too) equals an existing account's.

The mapping is Unicode's own ``confusables.txt`` (vendored, see ``unicode/README.md``), not a
hand-made list of look-alikes.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

CONFUSABLES_FILE = Path(__file__).with_name("unicode") / "confusables.txt"


def normalise(username: str) -> str:
    """The form the throttle counts by: NFKC, case-folded, without surrounding spaces."""
    return unicodedata.normalize("NFKC", username or "").casefold().strip()


@functools.cache
def _prototypes() -> dict[str, str]:
    """``confusables.txt`` as {source character: prototype string} (about 6,500 entries)."""
    mapping: dict[str, str] = {}
    with CONFUSABLES_FILE.open(encoding="utf-8-sig") as lines:
        for line in lines:
            data = line.split("#", 1)[0].strip()
            if not data:
                continue
            source, target, *_ = (field.strip() for field in data.split(";"))
            mapping[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return mapping


def _tr39(text: str) -> str:
    """UTS #39, section 4: NFD, each character replaced by its prototype, NFD again."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototypes.get(ch, ch) for ch in decomposed))


def skeleton(username: str) -> str:
    """A skeleton of the name in which case does not count either: equal = confusable names.

    The UTS #39 skeleton is taken before *and* after case folding: before, because an upper-case
    ``I`` looks like an ``l`` (``Iris``/``lris``) while a folded ``i`` does not; after, so that
    ``Demo`` and ``demo`` collide as well.
    """
    nfkc = unicodedata.normalize("NFKC", username or "").strip()
    return _tr39(_tr39(nfkc).casefold())
