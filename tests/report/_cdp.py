# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe), standard library only.

Used by tests/report/test_report_chromium.py and by scripts/benchmark.py (section
controller): open a file, wait for its load event, evaluate JavaScript (promises
awaited), take a screenshot. Chromium runs with a temporary profile and HOME, so
nothing is written under the real home; both are removed on close.
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-extensions', '--hide-scrollbars', '--force-device-scale-factor=1', '--mute-audio']


def find_chromium():
    return shutil.which('chromium') or shutil.which('chromium-browser')


class ProtocolError(RuntimeError):
    pass


class Browser(object):
    """One headless Chromium; ``open(url)`` gives a Page. Use as a context manager."""

    def __init__(self, binary, width=1400, height=900, timeout=120):
        self.width, self.height, self.timeout = width, height, timeout
        self.home = tempfile.mkdtemp(prefix='kt-chromium-')
        commands_r, self._commands = os.pipe()
        self._replies, replies_w = os.pipe()

        def child_fds():  # the protocol's fixed descriptors: 3 commands in, 4 replies out
            commands, replies = fcntl.fcntl(commands_r, fcntl.F_DUPFD, 10), fcntl.fcntl(replies_w, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        env = dict(os.environ, HOME=self.home, XDG_CONFIG_HOME=os.path.join(self.home, '.config'),
                   XDG_CACHE_HOME=os.path.join(self.home, '.cache'))
        self.proc = subprocess.Popen(
            [binary] + FLAGS + ['--remote-debugging-pipe', '--window-size=%d,%d' % (width, height),
                                '--user-data-dir=' + os.path.join(self.home, 'profile'), 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
            preexec_fn=child_fds, close_fds=False)
        os.close(commands_r)
        os.close(replies_w)
        self._buffer, self._next_id, self.events = b'', 0, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call('Browser.close')
            except (ProtocolError, OSError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self.proc.stderr.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def _read_message(self, deadline):
        while b'\0' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise ProtocolError('no answer from chromium within %d s' % self.timeout)
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise ProtocolError('chromium exited: %s' % self.proc.stderr.read().decode('utf-8', 'replace')[-2000:])
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message.decode('utf-8'))

    def call(self, method, session=None, **params):
        self._next_id += 1
        message = dict(id=self._next_id, method=method, params=params)
        if session:
            message['sessionId'] = session
        os.write(self._commands, json.dumps(message).encode('utf-8') + b'\0')
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get('id') == self._next_id:
                if 'error' in reply:
                    raise ProtocolError('%s: %s' % (method, reply['error']))
                return reply.get('result', {})
            if 'method' in reply:
                self.events.append(reply)

    def wait_event(self, method, session, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for index, event in enumerate(self.events):
                if event['method'] == method and event.get('sessionId') == session:
                    return self.events.pop(index)
            reply = self._read_message(deadline)
            if 'method' in reply:
                self.events.append(reply)

    def open(self, url):
        """A new tab at url, once its load event has fired."""
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        session = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        self.call('Emulation.setDeviceMetricsOverride', session, width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        self.call('Page.enable', session)
        self.call('Page.navigate', session, url=url)
        self.wait_event('Page.loadEventFired', session)
        return Page(self, session)


class Page(object):
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def evaluate(self, expression):
        """The value of a JavaScript expression (a promise is awaited); a thrown exception raises ProtocolError."""
        result = self.browser.call('Runtime.evaluate', self.session, expression=expression, awaitPromise=True,
                                   returnByValue=True)
        if 'exceptionDetails' in result:
            raise ProtocolError('JavaScript: %s' % json.dumps(result['exceptionDetails'])[:2000])
        return result['result'].get('value')

    def screenshot(self):
        """PNG bytes of the viewport."""
        return base64.b64decode(self.browser.call('Page.captureScreenshot', self.session, format='png')['data'])
