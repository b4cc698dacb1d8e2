"""Loading a catalogue file into a stage: ``python -m infra.catalogue FILE --stage STAGE``.

The package imports nothing from ``chalicelib`` here: the models fix their table names when
first imported, so ``__main__`` sets the stage's environment before ``loader`` is imported.
"""
