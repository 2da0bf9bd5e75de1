# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions of the kerneltune.sysctl collection (private module_utils).

Pure functions raise these; modules turn them into ``fail_json`` messages.
"""


class SysctlError(Exception):
    """Base class of every error this collection raises on purpose."""


class InvalidKeyError(SysctlError):
    """A sysctl key that is malformed or could escape /proc/sys."""


class InvalidValueError(SysctlError):
    """A value that cannot be written safely or compared."""


class InvalidExpectationError(SysctlError):
    """An expectation (exact, min/max, one_of) that is malformed."""


class UnknownKeyError(SysctlError):
    """A key this kernel does not have (with close matches, if any)."""

    def __init__(self, message, key=None, suggestions=None):
        super(UnknownKeyError, self).__init__(message)
        self.key = key
        self.suggestions = list(suggestions or [])


class UnreadableKeyError(SysctlError):
    """A key that exists but cannot be read (a write-only key such as net.ipv4.route.flush)."""

    def __init__(self, message, key=None, reason=None):
        super(UnreadableKeyError, self).__init__(message)
        self.key = key
        self.reason = reason


class KernelRejectedError(SysctlError):
    """The kernel refused a write (EINVAL, EPERM, EROFS...)."""

    def __init__(self, message, key=None, reason=None):
        super(KernelRejectedError, self).__init__(message)
        self.key = key
        self.reason = reason


class ApplyError(SysctlError):
    """Changing the host failed; what could be restored was.

    ``changed``: something is left changed (a restore failed too); ``left``:
    what was not restored (files and live keys, in words); ``backups``: the
    backups kept (``{file: backup}``), each the file's original.
    """

    def __init__(self, message, changed=False, left=None, backups=None):
        super(ApplyError, self).__init__(message)
        self.changed = changed
        self.left = list(left or [])
        self.backups = dict(backups or {})
