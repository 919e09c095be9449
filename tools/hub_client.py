"""The class hub driven as its users drive it, without a browser: start it on loopback, log
in through its login form, talk to one's own server (contents, Assignments, kernels) with
the cookies and XSRF token the JupyterLab page uses. Used by ``tests/test_hub.py`` and the
class-load benchmark (``tools/class_load.py``).
"""

import contextlib
import json
import subprocess
import time
import uuid

import requests
import websocket

from tools import class_hub
from tools.browser import _free_port


@contextlib.contextmanager
def running_hub(state, log_path):
    """The hub of ``state`` on free loopback ports, its output in ``log_path``; yields
    (its URL, its process). Stopped (SIGTERM) on the way out if still running."""
    port, hub_port, api_port = (_free_port() for _ in range(3))
    command, env = class_hub.hub_command(
        state,
        f"--JupyterHub.hub_bind_url=http://127.0.0.1:{hub_port}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}",
    )
    env["COURSE_HUB_URL"] = url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{url}/hub/api", timeout=5).ok:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                tail = open(log_path).read()[-3000:]
                raise RuntimeError(f"the hub did not start:\n{tail}")
            time.sleep(0.5)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Session:
    """A user logged in through the hub's login form (as a browser posts it); waits until
    their server answers (``ready_s``: from the login to a JupyterLab page)."""

    def __init__(self, url, name, password, timeout=300):
        self.name, self.http = name, requests.Session()
        started = time.monotonic()
        self.http.get(f"{url}/hub/login", timeout=60).raise_for_status()
        data = {"username": name, "password": password}
        data["_xsrf"] = self.http.cookies.get("_xsrf", path="/hub/")
        self.http.post(f"{url}/hub/login?next=", data=data, timeout=timeout).raise_for_status()
        self.base = f"{url}/user/{name}"
        while not self.http.get(f"{self.base}/lab", timeout=60).url.startswith(f"{self.base}/lab"):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{name}'s server did not start in {timeout} s")
            time.sleep(0.5)  # the hub's spawn-pending page, until the server answers
        self.ready_s = time.monotonic() - started
        self.xsrf = self.http.cookies.get("_xsrf", path=f"/user/{name}/")

    def api(self, method, path, **kwargs):
        """A request to the user's own server, as the page sends it."""
        headers = {"X-XSRFToken": self.xsrf}
        url = f"{self.base}/{path}"
        return self.http.request(method, url, headers=headers, timeout=300, **kwargs)

    @contextlib.contextmanager
    def kernel(self):
        """A new kernel of the user's server; yields a function that runs a cell's code and
        returns (what it printed, its error traceback or None). Shut down on the way out."""
        started = self.api("POST", "api/kernels", json={"name": "python3"})
        started.raise_for_status()
        kernel_id = started.json()["id"]
        ws_url = self.base.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        ws = websocket.create_connection(
            f"{ws_url}?_xsrf={self.xsrf}", header=[f"Cookie: {cookie}"], timeout=900
        )
        session = uuid.uuid4().hex

        def execute(code):
            msg_id = uuid.uuid4().hex
            header = {
                "msg_id": msg_id,
                "msg_type": "execute_request",
                "username": self.name,
                "session": session,
                "version": "5.3",
                "date": "",
            }
            content = {
                "code": code,
                "silent": False,
                "store_history": True,
                "allow_stdin": False,
                "user_expressions": {},
                "stop_on_error": True,
            }
            message = {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
                "buffers": [],
            }
            ws.send(json.dumps(message))
            out, error = [], None
            while True:
                raw = ws.recv()
                if isinstance(raw, bytes):  # a message with buffers (a widget's frame)
                    continue
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    out.append(msg["content"]["text"])
                elif msg["msg_type"] == "error":
                    error = "\n".join(msg["content"]["traceback"])
                elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(out), error

        try:
            yield execute
        finally:
            ws.close()
            self.api("DELETE", f"api/kernels/{kernel_id}")

    def run(self, code):
        """What ``code`` prints (or its error) in a new kernel of this user's server."""
        with self.kernel() as execute:
            out, error = execute(code)
        return out + (error or "")
