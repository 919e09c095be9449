"""Runs inside the grading sandbox: execute a submission, then call its functions on request.

    python submission_runner.py JOB.json

1. Runs the submission's code cells (not its test cells) in a Jupyter kernel, with limits on
   time per cell and per notebook and on output per cell and in total; prints one JSON line
   ``{"event": "executed", "outputs": [[cell index, outputs, execution count], ...],
   "notes": [...]}`` for the cells it ran.
2. Then reads requests from stdin, one JSON line each: ``{"id", "name", "args", "kwargs"}``
   (plain data, ``tools.plain_data``), calls ``name`` in the kernel and prints one line
   ``{"id", "result" | "raised" | "failed", "stdout", "stderr"}``, until stdin closes.

Everything this process prints comes from the learner's sandbox: ``tools.grading`` reads it
as untrusted plain data and decides the scores in its own process. The kernel cannot reach
this process: it runs as another user (``job['kernel_user']``, when the grader is root) or in
a PID namespace of its own, and this process is not dumpable (no ptrace, no ``pidfd_getfd``,
no ``/proc/<pid>/fd``).
"""

import ctypes
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

KERNEL_NAME = "sandboxed-python"
PR_SET_DUMPABLE = 4


def unreachable():
    """Make this process non-dumpable: a process of the same user may then not ptrace it,
    take its file descriptors (``pidfd_getfd``) or open them through ``/proc``."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def kernel_command(job, private):
    """The kernel's command line: ipykernel as ``job['kernel_user']`` with no capabilities
    (the connection file, which jupyter_client writes for this user only, copied readable
    into ``private``), or in a PID namespace where no process but its own is addressable
    (``job['kernel_namespace']``), or plainly (--no-sandbox)."""
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f"]
    if job.get("kernel_user") is not None:
        user = int(job["kernel_user"])
        drop = [
            "setpriv",
            f"--reuid={user}",
            f"--regid={user}",
            "--clear-groups",
            "--inh-caps=-all",
            "--ambient-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
        copy = f"{private}/connection.json"
        script = f'umask 022 && cat "$0" > {copy} && exec "$@" {copy}'
        return ["/bin/sh", "-c", script, "{connection_file}", *drop, *kernel]
    if job.get("kernel_namespace"):
        # the kernel is process 1 there (no bwrap init beside it that it could trace), and
        # its parent has no number there (ipykernel would take that for the parent's death)
        isolate = [
            "bwrap",
            "--unshare-user",
            "--unshare-pid",
            "--as-pid-1",
            "--disable-userns",
            "--die-with-parent",
            "--dev-bind",
            "/",
            "/",
            "--unsetenv",
            "JPY_PARENT_PID",
            "--",
        ]
        return [*isolate, *kernel, "{connection_file}"]
    return [*kernel, "{connection_file}"]


def install_kernel(job):
    """Write the kernelspec ``KERNEL_NAME`` into a folder of this process's own (readable,
    not writable, by the kernel) and point Jupyter at it."""
    private = f"{job['io']}/runner"
    os.makedirs(f"{private}/kernels/{KERNEL_NAME}", mode=0o755, exist_ok=True)
    spec = {
        "argv": kernel_command(job, private),
        "display_name": "Python 3 (sandboxed)",
        "language": "python",
        "interrupt_mode": "message",  # SIGINT would reach a wrapper, not the kernel
    }
    with open(f"{private}/kernels/{KERNEL_NAME}/kernel.json", "w") as f:
        json.dump(spec, f)
    os.environ["JUPYTER_PATH"] = private
    return private


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class LimitedClient(NotebookClient):
    """nbclient with output caps: beyond ``cell_limit`` bytes in a cell or ``total_limit``
    in all, outputs are dropped and one note says so."""

    def __init__(self, nb, cell_limit, total_limit, **kwargs):
        super().__init__(nb, **kwargs)
        self.cell_limit, self.total_limit = cell_limit, total_limit
        self.sizes, self.total, self.noted = {}, 0, set()

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def run(self, cell, index, timeout, history=True):
        """Execute one cell; True if it ran past ``timeout`` seconds (then it was interrupted).
        Raises DeadKernelError if the kernel died."""
        self.timed_out, self.timeout = False, timeout
        self.execute_cell(cell, index, store_history=history)
        return self.timed_out

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {})))
        self.sizes[cell_index] = self.sizes.get(cell_index, 0) + size
        self.total += size
        if self.sizes[cell_index] > self.cell_limit or self.total > self.total_limit:
            if cell_index not in self.noted:
                self.noted.add(cell_index)
                which = "this cell" if self.sizes[cell_index] > self.cell_limit else "the notebook"
                limit = self.cell_limit if which == "this cell" else self.total_limit
                outs.append(
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f"\n[output truncated: {which} printed more than {limit:,} bytes]\n",
                    )
                )
            return None
        return super().output(outs, msg, display_id, cell_index)


def responsive(client, index):
    """Whether the kernel answers a trivial cell within 10 s (after an interrupt)."""
    probe = nbformat.v4.new_code_cell("pass")
    client.nb.cells.append(probe)
    try:
        return not client.run(probe, len(client.nb.cells) - 1, 10, history=False)
    except DeadKernelError:
        return False
    finally:
        client.nb.cells.pop()


def run_notebook(client, nb, job):
    """Run every code cell not in ``job['skip']``; return (notes, why the kernel is gone)."""
    notes, start = [], time.monotonic()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or index in job["skip"]:
            continue
        left = job["notebook_timeout"] - (time.monotonic() - start)
        if left <= 1:
            notes.append(
                f"the notebook ran past its {job['notebook_timeout']} s: "
                f"cells from {index + 1} on were not run"
            )
            return notes, None
        timeout = int(min(job["cell_timeout"], left))
        try:
            stopped = client.run(cell, index, timeout)
        except DeadKernelError:
            return notes, f"the kernel died while running cell {index + 1}"
        if stopped:
            notes.append(f"cell {index + 1} timed out after {timeout} s and was stopped")
            if not responsive(client, index):
                return notes, f"the kernel stopped responding after cell {index + 1}"
    return notes, None


def serve(client, job, gone):
    """Answer call requests from stdin until it closes."""
    # the request in this process's folder (the kernel reads it), the reply in a folder both
    # may write without a sticky bit (so that this process removes the kernel's old reply)
    request_path, reply_path = f"{job['io']}/runner/request.json", f"{job['io']}/reply/reply.json"
    call = nbformat.v4.new_code_cell(
        f"__grader__.call_in_kernel(globals(), {request_path!r}, {reply_path!r})"
    )
    client.nb.cells.append(call)
    index = len(client.nb.cells) - 1
    if not gone:  # the codec, from the grader's read-only folder
        load = nbformat.v4.new_code_cell(
            "import importlib.util as _u\n"
            f"_s = _u.spec_from_file_location('__grader__', {job['codec']!r})\n"
            "__grader__ = _u.module_from_spec(_s); _s.loader.exec_module(__grader__)\n"
            "del _u, _s"
        )
        client.nb.cells[index] = load
        try:
            client.run(load, index, 60, history=False)
        except DeadKernelError:
            gone = "the kernel died"
        client.nb.cells[index] = call
    for line in sys.stdin:
        request = json.loads(line)
        reply = {"id": request["id"]}
        if gone:
            send({**reply, "failed": gone})
            continue
        with open(request_path, "w", encoding="utf-8") as f:
            json.dump({k: request[k] for k in ("name", "args", "kwargs")}, f)
        if os.path.exists(reply_path):
            os.remove(reply_path)
        call.outputs = []
        try:
            stopped = client.run(call, index, job["cell_timeout"], history=False)
        except DeadKernelError:
            gone = f"the kernel died while running {request['name']}"
            send({**reply, "failed": gone})
            continue
        if stopped:
            send({**reply, "failed": f"timed out after {job['cell_timeout']} s (an endless loop?)"})
            if not responsive(client, index):
                gone = f"the kernel stopped responding in {request['name']}"
            continue
        try:
            with open(reply_path, encoding="utf-8") as f:
                send({**reply, **json.load(f)})
        except (OSError, ValueError):
            send({**reply, "failed": "the call gave no result"})


def main(job_path):
    unreachable()
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    os.makedirs(job["io"], exist_ok=True)
    install_kernel(job)
    os.makedirs(f"{job['io']}/reply", exist_ok=True)
    os.chmod(f"{job['io']}/reply", 0o777)
    nb = nbformat.read(job["notebook"], as_version=4)
    client = LimitedClient(
        nb,
        job["cell_output"],
        job["output"],
        timeout=job["cell_timeout"],
        kernel_name=KERNEL_NAME,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": "stopped: the cell ran too long",
            "traceback": [],
        },
        record_timing=False,
        resources={"metadata": {"path": job["workdir"]}},
    )
    with client.setup_kernel(stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w")):
        notes, gone = run_notebook(client, nb, job)
        if gone:
            notes.append(gone)
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        ran = [
            [i, nb.cells[i].outputs, nb.cells[i].execution_count]
            for i in code
            if i not in job["skip"]
        ]
        send({"event": "executed", "outputs": ran, "notes": notes})
        serve(client, job, gone)


if __name__ == "__main__":
    main(sys.argv[1])
