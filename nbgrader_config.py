"""nbgrader course layout: the labs in notebooks/ are the source, one assignment per week.

An assignment is a week folder (week1, week2, ...): the labs of a week are released and
graded together, as the course's weeks are. See README, "Teaching with these labs".
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.bak"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Per-cell limit when autograding: a runaway loop costs that exercise, not the batch.
c.Execute.timeout = 120  # nbgrader's executor; tools/grading.py CELL_TIMEOUT is the same (tested)

# The released labs hold no saved widget state: the solved labs' explorer frames (drawn with
# the solutions) stay out of the learners' copies, which save their own (JupyterLab's
# saveState, tools/jupyterlab_overrides.json) for the feedback page to show.
from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import NbGraderPreprocessor  # noqa: E402


class ClearWidgetState(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return nb, resources


RELEASE_STEPS = GenerateAssignment.class_traits()["preprocessors"].default()
c.GenerateAssignment.preprocessors = [*RELEASE_STEPS, ClearWidgetState]
