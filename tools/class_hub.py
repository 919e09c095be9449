"""A class on one machine (README, "A class on one machine"): JupyterHub with the machine's
own users, one server per user started by the local process spawner, nbgrader's exchange.

    python -m tools.class_hub setup --instructor NAME --learners NAME,NAME,...   # as root
    python -m tools.class_hub start                                             # as root

``setup`` says what it will do, then: creates the system users that do not exist yet (with
a random password each, in a root-only file), makes every roster home private, the exchange
folder (world-writable, sticky, as nbgrader's docs ask), the instructor's course folder (in
their home), the learners' environment (a copy of the course without ``notebooks/``,
``tools/`` or ``tests/``, as the learners' image of ``binder/`` holds), the hub's proxy
(``configurable-http-proxy`` from npm) and each role's Jupyter configuration; the course's
checkout (which holds the solutions) is made unreadable for other users. Running it again
adds users and rebuilds the learners' environment; it never changes an existing user's
password or the instructor's files.
``start`` runs JupyterHub with ``hub/jupyterhub_config.py`` on that state.
"""

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

from tools.classroom import COURSE_ID, EXCHANGE, hand_back

ROOT = Path(__file__).resolve().parent.parent
STATE = Path("/srv/course2")
PROXY = "configurable-http-proxy@5.3.0"  # the proxy JupyterHub 6 is tested with
OWN_ENV = ("PYTHON", "VIRTUAL_ENV", "COURSE_", "JUPYTER")  # this checkout's, not the learners'
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # what useradd accepts everywhere
COMMENT = "course2 class hub"  # the GECOS field of the users setup creates
# The learner's server: the Assignments tab, not the instructor's panels.
INSTRUCTOR_ONLY = {
    "server": ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"],
    "lab": [
        "@jupyter/nbgrader:formgrader",
        "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:course-list",
    ],
}


class SetupError(SystemExit):
    """What is wrong with the setup's input, and how to fix it."""


def clean_copy(destination, root=ROOT):
    """The repository's tracked files (what a clone holds) copied to ``destination``."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source, target = root / name.decode(), Path(destination) / name.decode()
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    return Path(destination)


def reachable_by_all(path):
    """Whether any user can reach ``path``: every folder above it searchable by others."""
    path = Path(path).resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents) and bool(
        path.stat().st_mode & stat.S_IROTH
    )


def learners_python(dest):
    """A Python every user can run (the learners' servers run as them), of the version this
    one is: its base interpreter when every user can reach it, else a copy of it (without its
    site-packages) in ``dest``. Returns (the interpreter, the folder of its libpython or None:
    the loader looks there first through LD_LIBRARY_PATH)."""
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    if reachable_by_all(base):
        return str(base), None
    prefix, version = Path(sys.base_prefix), f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if base.parent != prefix / "bin" or not (prefix / "lib" / version / "os.py").exists():
        raise SetupError(
            f"this Python ({base}) is private to its owner and not laid out as a copyable "
            "prefix: rebuild the venv from a Python every user can run (make PYTHON=/usr/bin/"
            "python3.11 after rm -rf .venv)"
        )
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "bin").mkdir(parents=True)
    shutil.copy2(base, dest / "bin" / version)
    skip = shutil.ignore_patterns("site-packages", "test", "__pycache__")
    shutil.copytree(prefix / "lib" / version, dest / "lib" / version, ignore=skip)
    for library in (prefix / "lib").glob("libpython*.so*"):
        shutil.copy2(library, dest / "lib", follow_symlinks=False)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX,go-w", dest], check=True)
    has_library = any((dest / "lib").glob("libpython*.so*"))
    return str(dest / "bin" / version), str(dest / "lib") if has_library else None


def uv_install(venv):
    """The command that installs into ``venv`` with uv, not pip: the same pinned wheels in a
    quarter of the time (it unpacks in parallel). Also the binder rehearsal's (tests)."""
    return [
        sys.executable,
        "-m",
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        venv / "bin/python",
    ]


def build_learners_env(dest, python, library_path=None):
    """The learners' environment in ``dest`` (rebuilt): the course without its solutions,
    the built datasets and explorer grids, and a venv (``dest/.venv``) with the pinned
    runtime and ``jupyterhub-singleuser``; readable by all, writable by root only."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    clean_copy(dest)
    for built in [*(ROOT / "datasets").glob("*.h5"), *(ROOT / "datasets/cache").glob("*.npz")]:
        target = dest / built.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)  # what make datasets built here; postBuild reuses it
    venv = dest / ".venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENV)}  # pip's proxies kept
    env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    if library_path:
        env["LD_LIBRARY_PATH"] = library_path
    subprocess.run([python, "-m", "venv", venv], check=True, env=env)
    # Compiled now, as learners cannot write __pycache__ here; copied, not hard-linked to
    # root's cache.
    uv = uv_install(venv) + ["--compile-bytecode", "--link-mode=copy"]
    for step in (
        uv + ["-c", "constraints.txt", "-r", "binder/requirements.txt", "jupyterhub"],
        [dest / "binder/postBuild"],
    ):
        run = subprocess.run(step, cwd=dest, env=env, capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(f"{step[0]} failed:\n{(run.stdout + run.stderr)[-3000:]}")
    shutil.rmtree(dest / "my_labs")  # learners fetch their labs from the Assignments tab
    subprocess.run(["chmod", "-R", "u+rwX,go+rX,go-w", dest], check=True)
    return dest


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def create_users(names, passwords_file):
    """System users for the names that have none (home, bash, a random password written to
    ``passwords_file``, root only); every roster home made private. Returns those created."""
    created = []
    for name in names:
        if not _user_exists(name):
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", "-c", COMMENT, name], check=True)
            password = secrets.token_urlsafe(12)
            subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
            fd = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with open(fd, "a") as f:
                f.write(f"{name} {password}\n")
            created.append(name)
        Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
    return created


def initial_passwords(state=STATE):
    """{user: password} of the users setup created (``STATE/hub/initial-passwords.txt``)."""
    lines = (Path(state) / "hub/initial-passwords.txt").read_text().split("\n")
    return dict(line.split() for line in lines if line)


def remove_users(names):
    """Remove the users of ``names`` that setup created (its GECOS mark), with their homes
    and processes (the tests and the class-load benchmark clean up with this)."""
    for name in names:
        try:
            if pwd.getpwnam(name).pw_gecos != COMMENT:
                continue
        except KeyError:
            continue
        for _ in range(50):  # userdel refuses while the user runs a process
            if subprocess.run(["pkill", "-KILL", "-u", name]).returncode == 1:
                break  # nothing left to signal
            time.sleep(0.2)
        subprocess.run(["userdel", "-r", name], check=True, capture_output=True)


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o644)


def write_role_configs(config, course, exchange):
    """``config/learner`` and ``config/instructor``: what each role's server reads first
    (``JUPYTER_CONFIG_PATH``): the course id and exchange; the instructor's course folder;
    the learner's server without the instructor's panels, and idle kernels culled."""
    where = f"c.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n"
    culling = {"cull_idle_timeout": 3600, "cull_interval": 300, "cull_connected": False}
    learner = {
        "ServerApp": {"jpserver_extensions": dict.fromkeys(INSTRUCTOR_ONLY["server"], False)},
        "MappingKernelManager": culling,
    }
    _write(config / "learner/nbgrader_config.py", "c = get_config()  # noqa: F821\n" + where)
    _write(config / "learner/jupyter_server_config.json", json.dumps(learner, indent=2))
    page = {"disabledExtensions": dict.fromkeys(INSTRUCTOR_ONLY["lab"], True)}
    _write(config / "learner/labconfig/page_config.json", json.dumps(page, indent=2))
    root = f"c.CourseDirectory.root = {str(course)!r}\n"
    _write(
        config / "instructor/nbgrader_config.py", "c = get_config()  # noqa: F821\n" + where + root
    )
    instructor = {"MappingKernelManager": culling}
    _write(config / "instructor/jupyter_server_config.json", json.dumps(instructor, indent=2))


def course_folder(instructor):
    """Where the instructor's course lives: in their home, as nbgrader's formgrader needs
    (the course root inside the server's root)."""
    return Path(pwd.getpwnam(instructor).pw_dir) / COURSE_ID


def make_course(course, owner):
    """The instructor's course folder (nbgrader's layout; the solved labs are its source),
    private to ``owner``. Files already there are kept."""
    course.mkdir(parents=True, exist_ok=True)
    if not (course / "nbgrader_config.py").exists():
        shutil.copy(ROOT / "nbgrader_config.py", course)
    if not (course / "notebooks").exists():
        shutil.copytree(ROOT / "notebooks", course / "notebooks")
    user = pwd.getpwnam(owner)
    os.chown(course, user.pw_uid, user.pw_gid)
    hand_back(course)
    course.chmod(0o700)


def install_proxy(prefix):
    """``configurable-http-proxy`` from npm into ``prefix``; returns its command."""
    command = Path(prefix) / "node_modules/.bin/configurable-http-proxy"
    if not command.exists():
        if not shutil.which("npm"):
            raise SetupError("npm is needed for the hub's proxy: apt-get install nodejs npm")
        npm = ["npm", "install", "--silent", "--no-fund", "--no-audit", "--prefix", prefix, PROXY]
        subprocess.run(npm, check=True, capture_output=True)
    return command


def plan(instructors, learners, state, exchange):
    new = [n for n in instructors + learners if not _user_exists(n)]
    passwords = state / "hub/initial-passwords.txt"
    lines = [
        f"Setting up a JupyterHub class of {COURSE_ID} in {state}:",
        f"  creates system users {', '.join(new)} (passwords in {passwords})"
        if new
        else "  creates no system user (all exist; their passwords are not changed)",
        f"  makes the homes of {', '.join(instructors + learners)} private (chmod 700)",
        f"  exchange {exchange} (chmod 1777)",
        f"  course folder ~{instructors[0]}/{COURSE_ID} (nbgrader's source: the solved labs)",
        f"  learners' environment {state / 'learners'}, proxy {PROXY} from npm",
    ]
    if ROOT.stat().st_mode & stat.S_IRWXO:
        lines.append(f"  makes {ROOT} unreadable for others (chmod o-rwx): it holds the solutions")
    return "\n".join(lines)


def setup(instructors, learners, state=STATE, exchange=EXCHANGE):
    """Everything the hub needs (see the module's docstring); returns the course record."""
    if os.geteuid() != 0:
        raise SetupError("run the setup as root (sudo): it creates users and folders under /srv")
    names = instructors + learners
    bad = [n for n in names if not NAME.match(n)]
    if bad or not instructors or not learners:
        raise SetupError(
            f"invalid roster {bad or names}: give --instructor NAME and --learners NAME,NAME "
            "(lowercase letters, digits, - and _; starting with a letter)"
        )
    if set(instructors) & set(learners) or len(set(names)) != len(names):
        raise SetupError("a user is listed twice: an instructor cannot also be a learner")
    state, exchange = Path(state).resolve(), Path(exchange).resolve()
    if state == ROOT or ROOT in state.parents:
        raise SetupError(f"the hub's state {state} must be outside the course's checkout {ROOT}")
    print(plan(instructors, learners, state, exchange), flush=True)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    (state / "hub").mkdir(exist_ok=True)
    (state / "hub").chmod(0o700)
    create_users(names, state / "hub/initial-passwords.txt")
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)
    course = course_folder(instructors[0])
    make_course(course, instructors[0])
    write_role_configs(state / "config", course, exchange)
    proxy = install_proxy(state / "proxy")
    python, library_path = learners_python(state / "python")
    build_learners_env(state / "learners", python, library_path)
    if ROOT.stat().st_mode & stat.S_IRWXO:
        ROOT.chmod(ROOT.stat().st_mode & ~stat.S_IRWXO)
    record = {
        "course_id": COURSE_ID,
        "instructors": instructors,
        "learners": learners,
        "course": str(course),
        "exchange": str(exchange),
        "learners_env": str(state / "learners"),
        "config": str(state / "config"),
        "proxy": str(proxy),
        "library_path": library_path,
    }
    _write(state / "course.json", json.dumps(record, indent=2))
    print(f"ready: make hub (or python -m tools.class_hub start --state {state})")
    return record


def hub_command(state=STATE, *extra):
    """The command that runs the hub on ``state``, and its environment."""
    if not (Path(state) / "course.json").exists():
        raise SetupError(f"no class set up in {state}: run make hub-setup first (README)")
    bin_dir = Path(sys.executable).parent
    command = [bin_dir / "jupyterhub", "-f", ROOT / "hub/jupyterhub_config.py", *extra]
    env = {**os.environ, "COURSE_HUB_STATE": str(state), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return [str(c) for c in command], env


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.class_hub",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="step", required=True)
    make = sub.add_parser("setup", help="create the class (as root; creates users: see above)")
    make.add_argument("--instructor", required=True, help="the instructor's user name")
    make.add_argument("--learners", required=True, help="comma-separated user names")
    make.add_argument("--exchange", default=EXCHANGE, help=f"default: {EXCHANGE}")
    run = sub.add_parser("start", help="run the hub (as root); extra arguments go to jupyterhub")
    for step in (make, run):
        step.add_argument("--state", default=str(STATE), help=f"default: {STATE}")
    args, extra = parser.parse_known_args(argv)
    if args.step == "setup":
        learners = [n.strip() for n in args.learners.split(",") if n.strip()]
        setup([args.instructor], learners, args.state, args.exchange)
        return 0
    command, env = hub_command(args.state, *extra)
    os.execve(command[0], command, env)


if __name__ == "__main__":
    raise SystemExit(main())
