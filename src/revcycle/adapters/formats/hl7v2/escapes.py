"""HL7 v2 escape sequences: HL7 v2.5.1 Ch. 2 §2.7 "Use of escape sequences in text fields".

An escape sequence is the escape character (MSH-2.3), a code, optional data, and the escape character
again. :func:`unescape` turns them into text as follows:

=================  =========================================================================
``\\F\\ \\S\\ \\T\\``  field / component / subcomponent separator (§2.7.4)
``\\R\\ \\E\\``       repetition separator / escape character (§2.7.4)
``\\P\\``           truncation character (v2.7+), when MSH-2 declares one
``\\Xhhhh..\\``     hexadecimal data (§2.7.5): the bytes, decoded with the message's character set
                   (ISO 8859-1 if they are not valid in it)
``\\.br\\``         line break (§2.7.6, formatted text): ``"\\n"``
everything else    kept verbatim, escape characters included: highlighting ``\\H\\ \\N\\`` (§2.7.3),
                   other formatting commands ``\\.sp\\ \\.in\\ ...`` (§2.7.6), character-set switches
                   ``\\Cxxyy\\ \\Mxxyyzz\\`` (§2.7.2), local sequences ``\\Zxx\\`` (§2.7.7), a sequence
                   naming a delimiter the message did not declare, malformed hex, an empty ``\\\\``
an escape character without a closing one is kept as a literal character
=================  =========================================================================

Keeping unknown sequences verbatim loses nothing: a renderer (or a human in the dead-letter view) can
still interpret them, and re-escaping the value round-trips.
"""

from __future__ import annotations

from revcycle.adapters.formats.hl7v2.encoding import Delimiters


def _expand(code: str, delimiters: Delimiters, codec: str) -> str | None:
    """The text an escape sequence stands for, or None to keep it verbatim."""
    if len(code) == 1:
        value = {
            "F": delimiters.field,
            "S": delimiters.component,
            "T": delimiters.subcomponent,
            "R": delimiters.repetition,
            "E": delimiters.escape,
            "P": delimiters.truncation,
        }.get(code, "")
        return value or None
    if code[0] == "X":
        digits = code[1:]
        if len(digits) % 2:
            return None
        try:
            data = bytes.fromhex(digits)
        except ValueError:
            return None
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            return data.decode("latin_1")
    if code == ".br":
        return "\n"
    return None


def unescape(text: str, delimiters: Delimiters, codec: str = "utf_8") -> str:
    """Resolve the escape sequences in one leaf value (a sub-component or an unsplit component)."""
    esc = delimiters.escape
    if not esc or esc not in text:
        return text
    parts: list[str] = []
    position = 0
    while True:
        start = text.find(esc, position)
        if start < 0:
            break
        end = text.find(esc, start + 1)
        if end < 0:
            break
        parts.append(text[position:start])
        code = text[start + 1 : end]
        expanded = _expand(code, delimiters, codec) if code else None
        parts.append(text[start : end + 1] if expanded is None else expanded)
        position = end + 1
    parts.append(text[position:])
    return "".join(parts)


def escape(text: str, delimiters: Delimiters) -> str:
    """Escape delimiters and line breaks so ``text`` can be placed in one leaf of a message.

    Without a declared escape character nothing can be escaped; delimiters are then replaced by spaces
    (only used for our own PHI-free texts, e.g. ACK error reasons).
    """
    esc = delimiters.escape
    pairs = [
        (delimiters.field, "F"),
        (delimiters.component, "S"),
        (delimiters.subcomponent, "T"),
        (delimiters.repetition, "R"),
        (delimiters.truncation, "P"),
    ]
    if not esc:
        for char, _code in pairs:
            if char:
                text = text.replace(char, " ")
        return text.replace("\r", " ").replace("\n", " ")
    text = text.replace(esc, f"{esc}E{esc}")
    for char, code in pairs:
        if char:
            text = text.replace(char, f"{esc}{code}{esc}")
    return text.replace("\r", f"{esc}X0D{esc}").replace("\n", f"{esc}X0A{esc}")
