"""Sphinx extension: a dataclass field with a ``default_factory`` shows the default it builds.

Autodoc prints such defaults as ``<factory>``; this replaces each with the repr of what the
factory returns (``events=[]``), so the API page reads as a call a user can write.
"""
import dataclasses
import re


def show_factory_defaults(app, what, name, obj, options, signature, return_annotation):
    if what != "class" or not signature or "<factory>" not in signature:
        return None
    for field in dataclasses.fields(obj):
        if field.default_factory is not dataclasses.MISSING:
            default = repr(field.default_factory())
            signature = re.sub(rf"(\b{field.name}\b[^=,]*=\s*)<factory>", lambda m: m.group(1) + default, signature)
    return signature, return_annotation


def setup(app):
    app.connect("autodoc-process-signature", show_factory_defaults)
    return {"parallel_read_safe": True}
