"""Billing rules: each a small pure function from facts to findings, registered in ``registry.RULES``.

A rule sees one *subject* (a charge, a claim, an appointment, an encounter; see :mod:`.facts`) and the
reference data (:class:`.reference.Reference`: code sets, edit tables, chargemaster, thresholds) and
returns findings. Rules do no I/O: the service layer gathers the facts a rule needs from the store and
raises what the rules return (``service_layer/rules.py``). A new rule is one module and one line in
:mod:`.registry`.
"""
