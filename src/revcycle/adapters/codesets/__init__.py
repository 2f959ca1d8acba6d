"""Code sets and edit tables behind the rules' ports (``revcycle.domain.rules.reference``).

One module per code set; each reads the publisher's own file format, from the folder named by the
``codesets_dir`` setting (e.g. ``../shared/data/codesets``) or, by default, from the copies vendored in
``data/`` (see ``data/PROVENANCE.md``). Nothing is read at import: a code set is loaded on its first
look-up and cached for the life of the process (``catalog.load_code_sets``).
"""
