"""The rooms of the step table: one module per step, each holding the rules of the task kinds it owns — the checks,
the handlers, the transitions, the marks and the durations — and registering them with :mod:`domain.engine`.

========================  ==========================================================
discovery                 verify (核实), on the spot, the mediation ladder
whistle                   approve_whistle, dispatch; a new round after rework
report                    report (报到)
consultation              consult, approve_understanding
handling                  handle, assist, approve_extension
supervision               supervision (督办), in the handling step
feedback                  verify_result
evaluation                evaluate; followers of linked duplicates
review                    review
========================  ==========================================================

Importing this package fills the engine's tables; :mod:`domain.steps.older` holds what issues under older rules
still do.
"""

from domain.steps import (  # noqa: F401 - imported for their registrations
    consultation,
    discovery,
    evaluation,
    feedback,
    handling,
    report,
    review,
    supervision,
    whistle,
)
