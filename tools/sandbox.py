"""The grading sandbox: one submission's kernel in bubblewrap, behind a line-based pipe.

Inside, the learner's code sees read-only: the system's ``/usr``, the Python install and the
virtual environment, ``helpers``, ``datasets/`` and the grader's codec and runner; it writes
only to private tmpfs folders (``/scratch``, ``/tmp``) of bounded size; it has no network and
sees no process outside the sandbox. When the grader runs as root, the sandbox drops to an
unprivileged user of its own (so process limits hold) and the kernel to another, so that it
cannot signal, trace or take the pipes of the runner that answers the grader
(``kernel_isolation``). Limits: ``Limits``. ``Session`` talks to it.
"""

import contextlib
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import helpers
from helpers import data

HERE = Path(__file__).resolve().parent
INSTALL = "sudo apt-get install bubblewrap"
PASSED_ENV = (
    "OPENBLAS_CORETYPE",
    "NPY_DISABLE_CPU_FEATURES",
    "OMP_NUM_THREADS",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "PYTHONHASHSEED",
)
REPLY_MARGIN = 8 * 2**20  # bytes a line may hold beyond the outputs it carries
MAX_NODES = 2_000_000  # values in one line's JSON (a lab's largest reply holds a few hundred)
STDERR_TAIL = 4096  # bytes of the sandbox's stderr kept, for the message when it stops


@dataclass
class Limits:
    """What one submission may use (defaults; ``python -m tools.grading --help`` sets them)."""

    memory: int = 4 * 2**30  # bytes of address space per process
    processes: int = 256  # processes and threads
    cpu: int = 1800  # CPU seconds per process
    cell_timeout: int = 120  # wall seconds per cell and per graded call
    notebook_timeout: int = 900  # wall seconds for all the notebook's cells
    budget: int = 1200  # wall seconds for everything: the cells, then every graded call
    cell_output: int = 2 * 2**20  # bytes of output kept per cell
    output: int = 20 * 2**20  # bytes of output kept in all
    disk: int = 512 * 2**20  # bytes in the scratch folder (and in /tmp)


CGROUPS = Path("/sys/fs/cgroup")
CGROUP_GROUP = "course2-grading"  # every sandbox's cgroup sits in this one


class SandboxError(RuntimeError):
    """The sandbox could not start, or broke the protocol; the message says why."""


def check_available():
    """Raise SandboxError with the install command unless bubblewrap can run here."""
    if not shutil.which("bwrap"):
        raise SandboxError(
            f"bubblewrap (bwrap) is not installed; install it with `{INSTALL}`, "
            "or grade trusted submissions without a sandbox: --no-sandbox"
        )


def _ro_paths():
    """Host folders the sandbox sees read-only, at the same place."""
    paths = [
        Path(sys.base_prefix).resolve(),
        Path(sys.prefix),
        Path(helpers.__file__).parent,
        data.data_dir().resolve(),
    ]
    return [p for p in dict.fromkeys(paths) if not str(p).startswith("/usr/")]


def _system_binds():
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    if Path("/etc/ld.so.cache").exists():  # where the loader finds shared libraries
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def _parents(path):
    """``--dir`` for each missing parent of ``path`` (world-traversable, unlike /root)."""
    return [a for p in reversed(Path(path).parents) if str(p) != "/" for a in ("--dir", str(p))]


def _environment(sandboxed, scratch):
    env = {
        "HOME": f"{scratch}/home",
        "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
        "JUPYTER_RUNTIME_DIR": f"{scratch}/runtime",
        "PYTHONDONTWRITEBYTECODE": "1",
        "COURSE_DATA_DIR": str(data.data_dir().resolve()),
        "MPLCONFIGDIR": f"{scratch}/home/matplotlib",
    }
    env.update({k: os.environ[k] for k in PASSED_ENV if k in os.environ})
    if not sandboxed:
        env["TMPDIR"] = f"{scratch}/tmp"
    return env


def _font_cache():
    """matplotlib's font list, so that each sandbox does not rebuild it (a few seconds)."""
    import matplotlib

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _own_tasks():
    """Processes and threads this user runs now (RLIMIT_NPROC counts them all)."""
    uid, count = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            count += int(fields.get("Threads", "1"))
    return count


def command(files, limits, sandboxed=True, uid=None):
    """The command that runs ``submission_runner`` on ``files`` (dict: name -> host path of
    job.json and submission.ipynb), and its environment."""
    python = str(Path(sys.prefix) / "bin" / "python")
    if not sandboxed:
        scratch = files["scratch"]
        argv = [python, str(HERE / "submission_runner.py"), files["job.json"]]
        return argv, _environment(False, scratch)
    args = ["bwrap", "--die-with-parent", "--new-session", *_system_binds()]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for folder in ("/scratch", "/tmp", "/dev/shm", "/io"):  # /io: the grader's requests
        args += ["--perms", "01777", "--size", str(limits.disk), "--tmpfs", folder]
    for path in _ro_paths():  # after the tmpfs mounts: a clone may live under /tmp
        args += [*_parents(path), "--ro-bind", str(path), str(path)]
    for folder in ("/scratch/home", "/scratch/work", "/scratch/home/matplotlib"):
        args += ["--perms", "01777", "--dir", folder]
    for cache in _font_cache():
        args += ["--ro-bind", str(cache), f"/scratch/home/matplotlib/{cache.name}"]
    args += ["--dir", "/grader"]
    for name in ("plain_data.py", "submission_runner.py"):
        args += ["--ro-bind", str(HERE / name), f"/grader/{name}"]
    for name in ("job.json", "submission.ipynb"):
        args += ["--ro-bind", files[name], f"/grader/{name}"]
    args += ["--chdir", "/scratch/work", "--clearenv"]
    for key, value in _environment(True, "/scratch").items():
        args += ["--setenv", key, value]
    if os.geteuid() == 0:  # no user namespace: set up as root, then drop to a user of its own
        args[1:1] = [
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
        ]
        args += [  # the runner keeps only the capability to start the kernel as its user
            "--",
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all,+setuid,+setgid",
            "--ambient-caps=-all,+setuid,+setgid",
            "--bounding-set=-all,+setuid,+setgid",
            "--no-new-privs",
        ]
    else:
        args[1:1] = ["--unshare-all"]
        args += ["--"]
    args += [python, "/grader/submission_runner.py", "/grader/job.json"]
    return args, None


def kernel_isolation(sandboxed, uid):
    """How the runner keeps the kernel away from itself (``submission_runner.kernel_command``):
    as root, the kernel gets a user of its own (``uid`` + 10000; the runner is ``uid``);
    otherwise a PID namespace of its own, where the runner has no number."""
    if not sandboxed:
        return {}
    if os.geteuid() == 0:
        return {"kernel_user": uid + 10000}
    return {"kernel_namespace": True}


class Cgroup:
    """The cgroup of one sandbox, where the machine lets this process make one (root, cgroup
    v2 or v1's ``cpu`` and ``pids``): every sandbox gets the same share of the CPU however many
    processes it runs, and at most ``processes`` of them. ``folders`` is empty where there is
    no cgroup to make (then ``available()`` is False and the CPU is shared per process)."""

    def __init__(self, name, processes, make=True):
        self.folders = []
        for parent, settings in _hierarchies(processes) if make else ():
            folder = parent / name
            try:
                folder.mkdir(exist_ok=True)
                for file, value in settings.items():
                    (folder / file).write_text(value)
            except OSError:
                continue
            self.folders.append(folder)

    def join(self):
        """Move the calling process into the cgroup (in the sandbox's child, before exec)."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def remove(self):
        """Kill what is left in it, then remove it."""
        for folder in self.folders:
            for _ in range(50):
                try:
                    pids = (folder / "cgroup.procs").read_text().split()
                    for pid in pids:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


def _hierarchies(processes):
    """(parent folder, {file: value}) for each cgroup hierarchy a sandbox joins; [] if this
    process may not make cgroups."""
    pids = {"pids.max": str(processes)}
    if (CGROUPS / "cgroup.controllers").exists():  # v2: one tree, the controllers enabled
        parent = CGROUPS / CGROUP_GROUP
        try:
            parent.mkdir(exist_ok=True)
            for folder in (CGROUPS, parent):
                (folder / "cgroup.subtree_control").write_text("+cpu +pids")
        except OSError:
            return []
        return [(parent, {"cpu.weight": "100", **pids})]
    found = []
    for controller, settings in (("cpu", {"cpu.shares": "1024"}), ("pids", pids)):
        parent = CGROUPS / controller / CGROUP_GROUP
        try:
            parent.mkdir(exist_ok=True)
        except OSError:
            continue
        found.append((parent, settings))
    return found


def cpu_isolated():
    """Whether sandboxes graded at once each get their own share of the CPU here."""
    probe = Cgroup(f"probe-{os.getpid()}", 1)
    try:
        return any(
            (f / "cpu.shares").exists() or (f / "cpu.weight").exists() for f in probe.folders
        )
    finally:
        probe.remove()


def _rlimits(limits, nproc, cgroup):
    def apply():
        cgroup.join()
        for what, value in (
            (resource.RLIMIT_AS, limits.memory),
            (resource.RLIMIT_CPU, limits.cpu),
            (resource.RLIMIT_FSIZE, limits.disk),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NPROC, nproc),
        ):
            resource.setrlimit(what, (value, value))

    return apply


class Session:
    """One submission running in the sandbox. ``receive`` / ``request`` exchange JSON lines;
    both raise SandboxError when the sandbox breaks the protocol, dies or runs out of time."""

    def __init__(self, submission_nb, skip, limits=None, sandboxed=True):
        self.limits = limits or Limits()
        if sandboxed:
            check_available()
        self.folder = tempfile.mkdtemp(prefix="grade-")
        files = {
            "job.json": f"{self.folder}/job.json",
            "submission.ipynb": f"{self.folder}/submission.ipynb",
        }
        if sandboxed:
            paths = {
                "notebook": "/grader/submission.ipynb",
                "workdir": "/scratch/work",
                "io": "/io",
                "codec": "/grader/plain_data.py",
            }
        else:
            scratch = files["scratch"] = f"{self.folder}/scratch"
            for sub in ("home", "work", "tmp", "io"):
                os.makedirs(f"{scratch}/{sub}")
            paths = {
                "notebook": files["submission.ipynb"],
                "workdir": f"{scratch}/work",
                "io": f"{scratch}/io",
                "codec": str(HERE / "plain_data.py"),
            }
        uid = 60000 + os.getpid() % 5000  # a user per grading process: its own process count
        job = {
            **asdict(self.limits),
            "skip": sorted(skip),
            **paths,
            **kernel_isolation(sandboxed, uid),
        }
        Path(files["job.json"]).write_text(json.dumps(job))
        Path(files["submission.ipynb"]).write_text(json.dumps(submission_nb))
        for path in (self.folder, *files.values()):
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
        argv, env = command(files, self.limits, sandboxed, uid)
        nproc = self.limits.processes + (0 if os.geteuid() == 0 and sandboxed else _own_tasks())
        # the runner's and the kernel's users each have limits.processes: the cgroup, both
        name, processes = f"sandbox-{os.getpid()}-{id(self)}", 2 * self.limits.processes
        self.cgroup = Cgroup(name, processes, make=sandboxed)
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=None if sandboxed else paths["workdir"],
            preexec_fn=_rlimits(self.limits, nproc, self.cgroup),
            start_new_session=True,
        )
        # What the grader holds of the sandbox's output is bounded while it reads: a line of
        # at most max_line bytes (longer ones are skipped as they arrive), two lines waiting
        # (the sandbox blocks until they are taken), and the last bytes of its stderr.
        self.max_line = self.limits.output + REPLY_MARGIN
        self.lines, self.errors, self.closed = queue.Queue(maxsize=2), b"", False
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()
        self.next_id = 0
        self.deadline = time.monotonic() + self.limits.budget

    def left(self):
        """Seconds left of the submission's time budget (``Limits.budget``)."""
        return self.deadline - time.monotonic()

    def out_of_time(self):
        """The note for what the budget cut short."""
        return (
            f"the submission's time budget ran out ({self.limits.budget} s for "
            "its cells and graded calls)"
        )

    def _read(self):
        stream = self.process.stdout
        while True:
            line = stream.readline(self.max_line + 1)
            if not line:
                self._put(None)
                return
            if len(line) > self.max_line or not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # the rest of it, dropped as it comes
                    line = stream.readline(2**20)
                line = b""  # a broken line
            self._put(line)

    def _put(self, line):
        while not self.closed:
            try:
                return self.lines.put(line, timeout=1)
            except queue.Full:
                pass

    def _drain(self):
        while chunk := self.process.stderr.read1(2**16):
            self.errors = (self.errors + chunk)[-STDERR_TAIL:]

    def receive(self, timeout):
        """The next message, a dict; SandboxError if none comes in ``timeout`` seconds or
        before the budget runs out."""
        try:
            line = self.lines.get(timeout=max(0, min(timeout, self.left())))
        except queue.Empty:
            self.close()
            if self.left() <= 0:
                raise SandboxError(self.out_of_time()) from None
            raise SandboxError(f"no answer within {timeout} s") from None
        if line is None:
            self._put(None)  # and for every later call
            tail = self.errors.decode(errors="replace").strip()[-500:]
            raise SandboxError("the sandbox stopped" + (f": {tail}" if tail else ""))
        try:
            if sum(line.count(c) for c in (b"[", b"{", b",")) > MAX_NODES:
                raise ValueError("too many values")  # json would build them all first
            message = json.loads(line)
        except (ValueError, RecursionError):
            self.close()
            raise SandboxError("the sandbox sent something unreadable") from None
        if not isinstance(message, dict):
            raise SandboxError("the sandbox sent something unreadable")
        return message

    def call(self, name, args, kwargs, encode):
        """Ask the kernel to call ``name``; return its reply (a dict of plain data)."""
        self.next_id += 1
        request = {"id": self.next_id, "name": name, "args": encode(args), "kwargs": encode(kwargs)}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise SandboxError("the sandbox stopped") from None
        while True:  # skip stale replies (a forged or late one for an earlier id)
            reply = self.receive(self.limits.cell_timeout + 30)
            if reply.get("id") == self.next_id:
                return reply

    def close(self):
        """Stop the sandbox and everything in it; remove its files."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.cgroup.remove()  # and whatever of the sandbox outlived it
        self.closed = True  # the reader stops waiting to hand over lines
        shutil.rmtree(self.folder, ignore_errors=True)
