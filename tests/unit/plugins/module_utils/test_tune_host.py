# -*- coding: utf-8 -*-
# Copyright (c) 2026 kerneltune.sysctl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads of tune's plan: the drop-in's path, and the files whose lines it comments out."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kerneltune.sysctl.plugins.module_utils._conf import parse_conf
from ansible_collections.kerneltune.sysctl.plugins.module_utils._errors import SysctlError
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune import (
    DISABLED_MARK,
    Edit,
    OWNER_MARK,
    Shadow,
    find_shadows,
    render_dropin,
)
from ansible_collections.kerneltune.sysctl.plugins.module_utils._tune_host import (
    OWN_DIR,
    check_path,
    shadow_edits,
)

OWNED = b'# managed\n# ' + OWNER_MARK.encode() + b'\n\nnet.core.somaxconn = 8192\n'


def test_own_dir():
    assert OWN_DIR == '/etc/sysctl.d'


@pytest.fixture
def own_dir(tmp_path):
    directory = tmp_path / 'etc' / 'sysctl.d'
    directory.mkdir(parents=True)
    (directory / '60-app.conf').write_bytes(b'net.ipv4.tcp_keepalive_time = 600\n')
    (directory / '90-kerneltune.conf').write_bytes(OWNED)
    (tmp_path / 'etc' / 'sysctl.conf').write_bytes(b'vm.swappiness = 0\n')
    os.symlink('../sysctl.conf', str(directory / '99-sysctl.conf'))
    return str(directory)


# (name under the directory, bytes returned)
ACCEPTED_CASES = [
    ('90-kerneltune.conf', OWNED),
    ('80-new.conf', None),
]


@pytest.mark.parametrize('name, current', ACCEPTED_CASES, ids=['owned', 'new'])
def test_check_path_accepts(own_dir, name, current):
    assert check_path(os.path.join(own_dir, name), own_dir, [own_dir]) == current


# (path, relative to the directory unless absolute; message with {d} for the directory)
REFUSED_CASES = [
    ('/etc/cron.d/90-kerneltune.conf', 'path /etc/cron.d/90-kerneltune.conf must be a .conf file directly in {d}'),
    ('sub/90-kerneltune.conf', 'path {d}/sub/90-kerneltune.conf must be a .conf file directly in {d}'),
    ('90-kerneltune', 'path {d}/90-kerneltune must be a .conf file directly in {d}'),
    ('60-app.conf', 'refusing to replace {d}/60-app.conf: it exists and was not written by kerneltune.sysctl; '
                    'choose another path, or move the file away'),
    ('99-sysctl.conf', 'refusing to replace {d}/99-sysctl.conf: it is a symlink (to ../sysctl.conf), not a drop-in '
                       'of kerneltune.sysctl'),
]


@pytest.mark.parametrize('path, message', REFUSED_CASES,
                         ids=['other-directory', 'subdirectory', 'not-conf', 'not-ours', 'symlink'])
def test_check_path_refuses(own_dir, path, message):
    with pytest.raises(SysctlError) as exc:
        check_path(os.path.join(own_dir, path), own_dir, [own_dir])
    assert str(exc.value) == message.format(d=own_dir)


def test_shadow_edits_edits_the_real_file_once(own_dir):
    etc = os.path.dirname(own_dir)
    conf = os.path.join(etc, 'sysctl.conf')
    with open(conf, 'wb') as handle:
        handle.write(b'# caf\xe9\nnet.ipv4.tcp_max_tw_buckets = 5000\r\nnet.core.somaxconn = 128\n')
    link = os.path.join(own_dir, '99-sysctl.conf')
    dropin = os.path.join(own_dir, '90-kerneltune.conf')
    shadows = [Shadow('net.ipv4.tcp_max_tw_buckets', link, 2, '5000'),
               Shadow('net.ipv4.tcp_max_tw_buckets', conf, 2, '5000'),
               Shadow('net.core.somaxconn', conf, 3, '128')]
    (edit,) = shadow_edits(shadows, dropin)
    assert isinstance(edit, Edit) and edit.path == conf
    before, after, found = edit.before, edit.after, edit.shadows
    assert before == b'# caf\xe9\nnet.ipv4.tcp_max_tw_buckets = 5000\r\nnet.core.somaxconn = 128\n'
    mark = ('  # %s %s' % (DISABLED_MARK, dropin)).encode()
    assert after == (b'# caf\xe9\n# net.ipv4.tcp_max_tw_buckets = 5000' + mark + b'\r\n# net.core.somaxconn = 128'
                     + mark + b'\n')
    assert found == [Shadow('net.ipv4.tcp_max_tw_buckets', conf, 2, '5000'), Shadow('net.core.somaxconn', conf, 3, '128')]


SOMAXCONN = 'net.core.somaxconn'
TW = 'net.ipv4.tcp_max_tw_buckets'
FIN = 'net.ipv4.tcp_fin_timeout'
VALUES = {SOMAXCONN: '8192', TW: 262144, FIN: '30'}
# /etc/sysctl.conf, where systemd-sysctl (through the 99-sysctl.conf symlink) and procps (sysctl --system) count the
# lines differently: a lone CR ends a line for systemd-sysctl only, and CR LF is one line end for it.
MIXED_ENDINGS = (b'# tuning\rnet.core.somaxconn = 128\n'      # procps 1 (a comment); systemd 1 and 2 (a shadow)
                 b'net.ipv4.tcp_max_tw_buckets = 5000\r\n'   # procps 2, systemd 3: a shadow for both
                 b'vm.swappiness = 10\n'                      # procps 3, systemd 4: not managed
                 b'net.ipv4.tcp_fin_timeout = 60\n')          # procps 4, systemd 5: a shadow for both


def _shadows(path, data, dropin, applier):
    """The shadows ``applier`` finds in ``path`` (``data``) after the drop-in of VALUES."""
    assignments = []
    for source, text in ((dropin, render_dropin(VALUES, {}, [])), (path, data.decode('latin-1'))):
        found, problems = parse_conf(text, source, applier)
        assert problems == []
        assignments.extend(found)
    return find_shadows(assignments, dropin, VALUES, applier)


@pytest.fixture
def mixed_endings(own_dir):
    """``(sysctl.conf, its 99-sysctl.conf symlink, the drop-in, the shadows as tune finds them on a systemd host)``."""
    conf = os.path.join(os.path.dirname(own_dir), 'sysctl.conf')
    with open(conf, 'wb') as handle:
        handle.write(MIXED_ENDINGS)
    link = os.path.join(own_dir, '99-sysctl.conf')
    dropin = os.path.join(own_dir, '90-kerneltune.conf')
    by_systemd = _shadows(link, MIXED_ENDINGS, dropin, 'systemd')
    by_procps = _shadows(conf, MIXED_ENDINGS, dropin, 'procps')
    assert by_systemd == [Shadow(SOMAXCONN, link, 2, '128', 'systemd'), Shadow(TW, link, 3, '5000', 'systemd'),
                          Shadow(FIN, link, 5, '60', 'systemd')]
    assert by_procps == [Shadow(TW, conf, 2, '5000', 'procps'), Shadow(FIN, conf, 4, '60', 'procps')]
    # tune lists the boot applier's shadows first, then those of sysctl --system
    return conf, link, dropin, by_systemd + by_procps


def test_shadow_edits_where_the_appliers_count_lines_differently(mixed_endings):
    conf, link, dropin, shadows = mixed_endings
    (edit,) = shadow_edits(shadows, dropin)
    assert edit.path == conf
    before, after, found = edit.before, edit.after, edit.shadows
    assert before == MIXED_ENDINGS
    mark = ('  # %s %s' % (DISABLED_MARK, dropin)).encode()
    # exactly the shadowing lines, each once (the CR LF and the last line are found by both readings), the line
    # ends kept; the lone CR still ends systemd-sysctl's comment line before the commented-out assignment
    assert after == (b'# tuning\r# net.core.somaxconn = 128' + mark + b'\n'
                     b'# net.ipv4.tcp_max_tw_buckets = 5000' + mark + b'\r\n'
                     b'vm.swappiness = 10\n'
                     b'# net.ipv4.tcp_fin_timeout = 60' + mark + b'\n')
    for applier, path in (('systemd', link), ('procps', conf)):
        assert _shadows(path, after, dropin, applier) == []
        assignments, problems = parse_conf(after.decode('latin-1'), path, applier)
        assert problems == []
        assert [(item.key, item.value) for item in assignments] == [('vm.swappiness', '10')]
    # the last line, whose span both readings agree on, is reported once
    assert [(shadow.key, shadow.line, shadow.applier) for shadow in found if shadow.key == FIN] == [
        (FIN, 5, 'systemd')]


# Regression: procps' span of a CR LF line includes the CR and systemd-sysctl's does not; the line is one edit
# and one entry (shadow_edits keys lines by where they start).
def test_shadow_edits_lists_a_line_found_by_both_readings_once(mixed_endings):
    conf, link, dropin, shadows = mixed_endings
    (edit,) = shadow_edits(shadows, dropin)
    found = edit.shadows
    # one shadow per edited line, the first found (the boot applier's), in the file's order
    assert found == [Shadow(SOMAXCONN, conf, 2, '128', 'systemd'), Shadow(TW, conf, 3, '5000', 'systemd'),
                     Shadow(FIN, conf, 5, '60', 'systemd')]


# Regression: procps reads "a = 1\rb = 2" as one line, systemd-sysctl as two; the note naming the drop-in goes
# before the CR, so systemd-sysctl's second line keeps its value (it has no inline comments).
def test_shadow_edits_leave_the_next_systemd_line_after_a_lone_cr(own_dir):
    conf = os.path.join(os.path.dirname(own_dir), 'sysctl.conf')
    data = b'net.core.somaxconn = 128\rkernel.domainname = example\n'
    with open(conf, 'wb') as handle:
        handle.write(data)
    link = os.path.join(own_dir, '99-sysctl.conf')
    dropin = os.path.join(own_dir, '90-kerneltune.conf')
    # systemd-sysctl: "net.core.somaxconn = 128" then "kernel.domainname = example"; procps: one line, whose value
    # "128\rkernel.domainname = example" the kernel rejects, so the drop-in's value stands: no procps shadow
    shadows = _shadows(link, data, dropin, 'systemd') + _shadows(conf, data, dropin, 'procps')
    assert [(shadow.line, shadow.applier) for shadow in shadows] == [(1, 'systemd')]
    after = shadow_edits(shadows, dropin)[0].after
    systemd, problems = parse_conf(after.decode('latin-1'), link, 'systemd')
    assert problems == []
    assert [(item.key, item.value) for item in systemd] == [('kernel.domainname', 'example')]
    assert parse_conf(after.decode('latin-1'), conf, 'procps') == ([], [])


def test_shadow_edits_nothing():
    assert shadow_edits([], '/etc/sysctl.d/90-kerneltune.conf') == []


@pytest.fixture
def sysctl_d(tmp_path):
    """The five sysctl.d directories under tmp_path, /lib a symlink to /usr/lib as on merged-/usr systems."""
    dirs = []
    for relative in ('etc', 'run', 'usr/local/lib', 'usr/lib'):
        (tmp_path / relative / 'sysctl.d').mkdir(parents=True)
        dirs.append(str(tmp_path / relative / 'sysctl.d'))
    os.symlink('usr/lib', str(tmp_path / 'lib'))
    dirs.append(str(tmp_path / 'lib' / 'sysctl.d'))
    (tmp_path / 'usr/lib/sysctl.d/50-default.conf').write_bytes(b'kernel.kptr_restrict = 1\n')
    (tmp_path / 'usr/lib/sysctl.d/99-protect-links.conf').write_bytes(b'fs.protected_fifos = 1\n')
    (tmp_path / 'run/sysctl.d/99-protect-links.conf').write_bytes(b'')
    return dirs


# (drop-in name, the files its message names, or None when accepted)
MASKING_CASES = [
    ('90-kerneltune.conf', None),
    ('50-default.conf', ['usr/lib/sysctl.d/50-default.conf']),
    ('99-protect-links.conf', ['run/sysctl.d/99-protect-links.conf', 'usr/lib/sysctl.d/99-protect-links.conf']),
]


@pytest.mark.parametrize('name, masked', MASKING_CASES, ids=['own-name', 'package-file', 'two-directories'])
def test_check_path_refuses_a_name_that_masks_a_later_file(tmp_path, sysctl_d, name, masked):
    path = os.path.join(sysctl_d[0], name)
    if masked is None:
        assert check_path(path, sysctl_d[0], sysctl_d) is None
        return
    with pytest.raises(SysctlError) as exc:
        check_path(path, sysctl_d[0], sysctl_d)
    assert str(exc.value).startswith('refusing to write %s: it would mask %s (the boot reads only the first file of '
                                     'a name, and %s comes first)' % (
                                         path, ', '.join(str(tmp_path / item) for item in masked), sysctl_d[0]))
    assert not os.path.exists(path)


def test_check_path_refuses_an_owned_drop_in_that_masks(sysctl_d):
    path = os.path.join(sysctl_d[0], '50-default.conf')
    with open(path, 'wb') as handle:
        handle.write(OWNED)
    with pytest.raises(SysctlError) as exc:
        check_path(path, sysctl_d[0], sysctl_d)
    assert 'it would mask' in str(exc.value)


def test_shadow_edits_note_stays_out_of_the_next_systemd_line(own_dir):
    # procps reads one line whose value "128 \rkernel.domainname = example" the kernel takes as 128 (a shadow
    # for procps too); both readings start at offset 0: one edit, the note before the CR.
    conf = os.path.join(os.path.dirname(own_dir), 'sysctl.conf')
    data = b'net.core.somaxconn = 128 \rkernel.domainname = example\n'
    with open(conf, 'wb') as handle:
        handle.write(data)
    link = os.path.join(own_dir, '99-sysctl.conf')
    dropin = os.path.join(own_dir, '90-kerneltune.conf')
    shadows = _shadows(link, data, dropin, 'systemd') + _shadows(conf, data, dropin, 'procps')
    assert [(shadow.line, shadow.applier) for shadow in shadows] == [(1, 'systemd'), (1, 'procps')]
    (edit,) = shadow_edits(shadows, dropin)
    after, listed = edit.after, edit.shadows
    assert edit.path == conf
    assert len(listed) == 1
    assert after.startswith(b'# net.core.somaxconn = 128   # disabled by kerneltune.sysctl, see ')
    systemd, problems = parse_conf(after.decode('latin-1'), link, 'systemd')
    assert problems == [] and [(item.key, item.value) for item in systemd] == [('kernel.domainname', 'example')]
    assert parse_conf(after.decode('latin-1'), conf, 'procps') == ([], [])
