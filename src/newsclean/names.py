"""Names of the stages, and of the rules that code (not a rules file) writes, defined once.

They are written into ``corpus.jsonl`` (each edit's ``stage`` and ``rule``) and
``stats.json``, and read back by the report and ``explain``; one spelling keeps them
in step.

>>> DOCUMENT_STAGES
('normalise', 'repair', 'renormalise')
>>> f"{REPAIR}/{PARAGRAPH_BREAK}"
'repair/paragraph_break'
"""

READ = "read"
NORMALISE = "normalise"
REPAIR = "repair"
RENORMALISE = "renormalise"
FINGERPRINT = "fingerprint"
CLUSTER = "cluster"
#: the stages that edit one document, in the order they run (``explain --stage`` offers them)
DOCUMENT_STAGES = (NORMALISE, REPAIR, RENORMALISE)

#: repair's rule for a paragraph separator made uniform: layout, not a change of text,
#: so the report and ``explain`` leave it out
PARAGRAPH_BREAK = "paragraph_break"
#: repair's rule for a seam joined across a page break
PAGE_BREAK = "page_break"
#: repair's rule for a seam whose first character repeats the last one before the break
PAGE_BREAK_REPEATED_CHAR = "page_break_repeated_char"
#: repair's rule for a continuation moved back to the block it continues
DISPLACED_CONTINUATION = "displaced_continuation"
