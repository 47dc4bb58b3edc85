"""The kind words for each problem the core reports, in the visitor's language."""

from __future__ import annotations

from kiosk.language import N_
from kiosk.text import MAX_NAME_LENGTH, MAX_STUDENT_NAME_LENGTH, NameProblem

NAME_PROBLEMS = {
    (NameProblem.EMPTY, "first_name"): N_("Please type your first name."),
    (NameProblem.EMPTY, "last_name"): N_("Please type your last name."),
    (NameProblem.TOO_LONG, "first_name"): N_("That first name is longer than {limit} letters. Please shorten it."),
    (NameProblem.TOO_LONG, "last_name"): N_("That last name is longer than {limit} letters. Please shorten it."),
    (NameProblem.CHARACTERS, "first_name"): N_("Please use only letters in your first name."),
    (NameProblem.CHARACTERS, "last_name"): N_("Please use only letters in your last name."),
    (NameProblem.EMPTY, "student_name"): N_("Please type the student's name."),
    (NameProblem.TOO_LONG, "student_name"): N_("That name is longer than {limit} letters. Please shorten it."),
    (NameProblem.CHARACTERS, "student_name"): N_("Please use only letters in the student's name."),
}
LIMITS = {"student_name": MAX_STUDENT_NAME_LENGTH}

STORE_PROBLEM = N_("Sorry, we could not save your check-in. Please let the front desk know you are here.")


def name_problem(tr, problem: NameProblem) -> str:  # type: ignore[no-untyped-def]
    return tr(NAME_PROBLEMS[(problem.code, problem.field)]).format(limit=LIMITS.get(problem.field, MAX_NAME_LENGTH))
