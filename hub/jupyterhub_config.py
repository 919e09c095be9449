"""JupyterHub for a class on one machine (README, "A class on one machine").

Reads the class that ``python -m tools.class_hub setup`` made (``$COURSE_HUB_STATE``, default
/srv/course2): the machine's own users log in with their passwords (PAM), each gets a server
of their own (the local process spawner, run as that user) from the learners' environment,
which holds no solution. Instructors' servers have nbgrader's formgrader for the course
folder; learners' servers the Assignments tab only. Run as root: ``make hub``.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

state = Path(os.environ.get("COURSE_HUB_STATE", "/srv/course2"))
if not (state / "course.json").exists():
    raise SystemExit(f"no class set up in {state}: run make hub-setup first (README)")
course = json.loads((state / "course.json").read_text())
instructors, learners = course["instructors"], course["learners"]
env = Path(course["learners_env"])

c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://:8000")  # README: TLS
c.JupyterHub.db_url = f"sqlite:///{state / 'hub/jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "hub/jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [course["proxy"]]
c.ConfigurableHTTPProxy.pid_file = str(state / "hub/proxy.pid")

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(instructors + learners)
c.JupyterHub.load_groups = {
    "instructors": {"users": instructors},
    "learners": {"users": learners},
}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(env / "binder/start"), str(env / ".venv/bin/jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # nothing of the hub's own environment (its venv)
c.Spawner.environment = {"PATH": f"{env / '.venv/bin'}:/usr/local/bin:/usr/bin:/bin"}
if course.get("library_path"):  # the learners' copy of a private Python (tools/class_hub.py)
    c.Spawner.environment["LD_LIBRARY_PATH"] = course["library_path"]
c.Spawner.http_timeout = 120  # a first start on a busy machine imports a lot
c.Spawner.start_timeout = 120


def role_config(spawner):
    """Each role's Jupyter configuration first: the course id, the exchange, and for an
    instructor the course folder (``tools/class_hub.py``, ``write_role_configs``)."""
    role = "instructor" if spawner.user.name in instructors else "learner"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(Path(course["config"]) / role)


c.Spawner.pre_spawn_hook = role_config
